// The board a firmware image runs on, chosen by the board's toolset (RAMPART_BOARD_<FAMILY>).
// Images import this module and use `ThisBoard`; nothing else names a board.
#if RAMPART_BOARD_MPS2
@_exported import BoardMPS2
public typealias ThisBoard = MPS2Board
#elseif RAMPART_BOARD_NRF5
@_exported import BoardNRF5
public typealias ThisBoard = NRF5Board
#endif
