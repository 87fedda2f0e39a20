// The Rampart application image. At this stage: boot banner, persistent boot counter in the
// flash page store, and a line echo on the UART that the QEMU rig and tests drive. Later
// issues grow it into the device state machine (provisioning, EDHOC, OSCORE telemetry).
#if RAMPART_FIRMWARE
import BoardRuntime
import RampartPlatform
#if RAMPART_BOARD_MPS2
import BoardMPS2
typealias ThisBoard = MPS2Board
#elseif RAMPART_BOARD_NRF5
import BoardNRF5
typealias ThisBoard = NRF5Board
#endif

/// Longest line the echo keeps; longer input is cut and says so.
let maxLineBytes = 128

func applicationMain() -> Never {
    var board = ThisBoard.start()
    let boots = BootCounter.increment(&board.flash)
    board.serial.write("rampart firmware board=")
    board.serial.write(ThisBoard.name)
    board.serial.write(" boot=")
    board.serial.write(decimal: UInt64(boots))
    board.serial.write("\nrandom source: ")
    board.serial.write(ThisBoard.entropyDescription)
    board.serial.write("\nrampart ready\n")

    var line = InlineArray<128, UInt8>(repeating: 0)
    var length = 0
    var truncated = false
    while true {
        guard let byte = board.serial.read() else {
            rampart_wait_for_interrupt()
            continue
        }
        if byte == 0x0A || byte == 0x0D {
            if length == 0 && !truncated { continue }
            board.serial.write("echo: ")
            for i in 0..<length { board.serial.write(byte: line[i]) }
            if truncated { board.serial.write(" [cut at 128 bytes]") }
            board.serial.write("\n")
            length = 0
            truncated = false
        } else if length < maxLineBytes {
            line[length] = byte
            length += 1
        } else {
            truncated = true
        }
    }
}

applicationMain()
#endif
