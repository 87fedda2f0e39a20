// The board check image (`echo.elf`): boot banner, persistent boot counter in the flash page
// store, and a line protocol on the UART that the QEMU rig and the board tests drive:
//   any line     → `echo: <line>`
//   `!exit`      → `bye`, then a clean exit (status 0 through semihosting in QEMU)
//   `!fault`     → executes an undefined instruction: the fault handler must report it
// The device application is Firmware/Images/App (`rampart.elf`).
#if RAMPART_FIRMWARE
import BoardRuntime
import RampartPlatform
import BoardSelection

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
            rampart_sleep_until_input()
            continue
        }
        if byte == 0x0A || byte == 0x0D {
            if length == 0 && !truncated { continue }
            if !truncated && matches(line, length, "!exit") {
                board.serial.write("bye\n")
                board.exit(status: 0)
            }
            if !truncated && matches(line, length, "!fault") {
                board.serial.write("faulting on purpose\n")
                rampart_trigger_fault()
            }
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

func matches(_ line: InlineArray<128, UInt8>, _ length: Int, _ command: StaticString) -> Bool {
    command.withUTF8Buffer { text in
        guard text.count == length else { return false }
        for i in 0..<length where line[i] != text[i] { return false }
        return true
    }
}

applicationMain()
#endif
