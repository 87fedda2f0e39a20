// swift-tools-version: 6.2
//
// Rampart: one package for the host (gateway, tools, tests) and the firmware.
//
// Host:      `swift build`, `swift test`.
// Firmware:  `make firmware BOARD=<board>` runs
//            `swift build -c release --triple <arch> --toolset boards/<board>/toolset.json --product rampart-firmware`.
//            The toolset defines RAMPART_FIRMWARE and RAMPART_BOARD_<FAMILY>; without them the
//            board targets and firmware images compile to nothing, so host builds stay clean.
import PackageDescription

/// Set by the Makefile for firmware builds (`RAMPART_FIRMWARE=1 swift build --triple …`).
/// Firmware code is optimised for size except the crypto core, which is optimised for speed
/// (SwiftPM places a toolset's flags after a target's, so per-target levels live here).
let isFirmwareBuild = Context.environment["RAMPART_FIRMWARE"] != nil
let sizeOptimised: [SwiftSetting] = isFirmwareBuild ? [.unsafeFlags(["-Osize"])] : []
/// Parsers hold `Span`s of their input (`~Escapable` types), which needs lifetime annotations.
let protocolSwift: [SwiftSetting] = [.enableExperimentalFeature("Lifetimes")] + sizeOptimised
let firmwareSwift: [SwiftSetting] = [.enableExperimentalFeature("Volatile")] + sizeOptimised

let package = Package(
    name: "Rampart",
    products: [
        .executable(name: "rampart", targets: ["rampart"]),
        .executable(name: "rampart-firmware", targets: ["rampart-firmware"]),
        .executable(name: "rampart-selftest", targets: ["rampart-selftest"]),
        .executable(name: "rampart-bench", targets: ["rampart-bench"]),
        .library(name: "RampartCrypto", targets: ["RampartCrypto"]),
        .library(name: "RampartProtocol", targets: ["RampartProtocol"]),
        .library(name: "RampartHostCrypto", targets: ["RampartHostCrypto"]),
        .library(name: "QEMURig", targets: ["QEMURig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // ── Firmware: Embedded Swift, no Foundation, no heap; also compiles for the host. ──
        // The crypto core is compiled for speed even in firmware: measured on mps2-an386, -O
        // instead of -Osize takes X25519 from 1.53 M to 0.95 M instructions and a SHA-256 block
        // from 3.1 k to 2.4 k.
        .target(name: "RampartCrypto", path: "Firmware/Crypto"),
        // CBOR, CoAP, framing, EDHOC and OSCORE: generic over `CryptoProvider`, no heap.
        .target(name: "RampartProtocol", dependencies: ["RampartCrypto"], path: "Firmware/Protocol",
                swiftSettings: protocolSwift),
        .target(name: "RampartPlatform", dependencies: ["RampartCrypto"], path: "Firmware/Platform",
                swiftSettings: sizeOptimised),
        .target(name: "RampartSelfTest", dependencies: ["RampartCrypto", "RampartProtocol", "RampartPlatform"],
                path: "Firmware/SelfTest", swiftSettings: sizeOptimised),

        // Board support. Compiled only when the board's toolset defines its family.
        .target(name: "BoardRuntime", path: "boards/Runtime"),
        .target(name: "BoardCommon", dependencies: ["RampartPlatform", "RampartCrypto", "BoardRuntime"],
                path: "boards/Common", swiftSettings: firmwareSwift),
        .target(name: "BoardMPS2", dependencies: ["BoardCommon", "RampartPlatform", "RampartCrypto", "BoardRuntime"],
                path: "boards/MPS2", swiftSettings: firmwareSwift),
        .target(name: "BoardNRF5", dependencies: ["BoardCommon", "RampartPlatform", "RampartCrypto", "BoardRuntime"],
                path: "boards/NRF5", swiftSettings: firmwareSwift),

        .target(name: "BoardSelection", dependencies: ["BoardMPS2", "BoardNRF5"],
                path: "boards/Selected", swiftSettings: firmwareSwift),

        // Firmware images (one per purpose; the board is chosen by the toolset).
        .executableTarget(name: "rampart-firmware",
                          dependencies: ["RampartCrypto", "RampartPlatform", "BoardRuntime", "BoardSelection"],
                          path: "Firmware/Images/App", swiftSettings: firmwareSwift),
        .executableTarget(name: "rampart-selftest",
                          dependencies: ["RampartSelfTest", "RampartPlatform", "BoardRuntime", "BoardSelection"],
                          path: "Firmware/Images/SelfTest", swiftSettings: firmwareSwift),
        .executableTarget(name: "rampart-bench",
                          dependencies: ["RampartCrypto", "RampartProtocol", "RampartSelfTest", "RampartPlatform", "BoardRuntime",
                                         "BoardSelection"],
                          path: "Firmware/Images/Bench", swiftSettings: firmwareSwift),

        // ── Host tools: Swift 6 on Linux. ──
        .systemLibrary(name: "CSodium", path: "HostTools/CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),
        .target(name: "RampartHostCrypto",
                dependencies: ["RampartCrypto", "CSodium",
                               .product(name: "Crypto", package: "swift-crypto"),
                               .product(name: "_CryptoExtras", package: "swift-crypto")],
                path: "HostTools/HostCrypto"),
        .target(name: "QEMURig", path: "HostTools/QEMURig"),
        // Host drivers of the protocol core: the EDHOC trace runner behind `rampart edhoc trace`.
        .target(name: "RampartEDHOCTools", dependencies: ["RampartProtocol", "RampartCrypto", "RampartHostCrypto"],
                path: "HostTools/EDHOCTools", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        .target(name: "FirmwareMetrics", path: "HostTools/FirmwareMetrics"),
        .executableTarget(name: "rampart",
                          dependencies: ["QEMURig", "FirmwareMetrics", "RampartHostCrypto", "RampartEDHOCTools",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "HostTools/CLI"),

        // ── Tests ──
        .testTarget(name: "CryptoTests", dependencies: ["RampartCrypto", "RampartSelfTest", "RampartPlatform"],
                    path: "Tests/CryptoTests"),
        .testTarget(name: "ProtocolTests", dependencies: ["RampartProtocol", "RampartCrypto", "RampartHostCrypto",
                                                        "RampartEDHOCTools"],
                    path: "Tests/ProtocolTests", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        .testTarget(name: "HostCryptoTests", dependencies: ["RampartHostCrypto", "RampartCrypto",
                                                          .product(name: "Crypto", package: "swift-crypto")],
                    path: "Tests/HostCryptoTests"),
        .testTarget(name: "FirmwareTests", dependencies: ["QEMURig", "FirmwareMetrics"], path: "Tests/FirmwareTests"),
    ]
)

// ── Fuzz targets (libFuzzer; host only) ─────────────────────────────────────────────────────
// One executable `fuzz-<folder, lower case>` per folder of Fuzz/. A plain build gives a program
// that explains itself and exits 2; scripts/fuzz.sh (`make fuzz`) builds them with
// `-sanitize=fuzzer,address -D FUZZING` and runs them. Adding a target: see scripts/fuzz.sh.
let fuzzTargetFolders = ["CBOR", "Framing", "CoAP", "EDHOC"]
if !isFirmwareBuild {
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Support"))
    for folder in fuzzTargetFolders {
        package.targets.append(.executableTarget(
            name: "fuzz-" + folder.lowercased(), dependencies: ["FuzzSupport", "RampartProtocol", "RampartCrypto"],
            path: "Fuzz/" + folder, exclude: ["seeds"], swiftSettings: protocolSwift))
    }
}
// ── end of fuzz targets ─────────────────────────────────────────────────────────────────────
