// The firmware self-test image: runs the crypto vector suite on the board and exits
// through semihosting with status 0 only when every check passed (DESIGN.md §7).
#if RAMPART_FIRMWARE
import RampartPlatform
import RampartSelfTest
import BoardSelection

func selfTestMain() -> Never {
    var board = ThisBoard.start()
    board.serial.write("rampart self-test on ")
    board.serial.write(ThisBoard.name)
    board.serial.write("\n")
    var report = SelfTestReport(output: board.serial)
    runSelfTest(&report, entropy: &board.entropy)
    let passed = report.finish()
    board.exit(status: passed ? 0 : 1)
}

selfTestMain()
#endif
