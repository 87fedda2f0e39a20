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
        .executable(name: "rampart-echo", targets: ["rampart-echo"]),
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
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
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
        // The device application's state machine: the boards' and `rampart sim`'s.
        .target(name: "RampartDevice", dependencies: ["RampartCrypto", "RampartProtocol", "RampartPlatform"],
                path: "Firmware/Device",
                swiftSettings: protocolSwift),
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
                          dependencies: ["RampartDevice", "RampartProtocol", "RampartCrypto", "RampartPlatform",
                                         "BoardRuntime", "BoardCommon", "BoardSelection"],
                          path: "Firmware/Images/App", swiftSettings: firmwareSwift),
        .executableTarget(name: "rampart-echo",
                          dependencies: ["RampartPlatform", "BoardRuntime", "BoardSelection"],
                          path: "Firmware/Images/Echo", swiftSettings: firmwareSwift),
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
        // The gateway's protocol engine (no I/O): EDHOC responder, OSCORE server, sessions,
        // admission control, actions, events.
        .target(name: "RampartGateway",
                dependencies: ["RampartProtocol", "RampartCrypto", "RampartHostCrypto",
                               .product(name: "Logging", package: "swift-log")],
                path: "HostTools/Gateway", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        // `rampart bench gateway`: the engine's throughput, memory and flood behaviour.
        .target(name: "RampartGatewayBench",
                dependencies: ["RampartGateway", "RampartProtocol", "RampartCrypto", "RampartHostCrypto",
                               .product(name: "Logging", package: "swift-log")],
                path: "HostTools/GatewayBench", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        // The device registry (SQLite through GRDB) and the gateway's key store.
        .target(name: "RampartRegistry",
                dependencies: ["RampartGateway", "RampartProtocol", "RampartCrypto", "RampartHostCrypto", "CSodium",
                               .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "Logging", package: "swift-log")],
                path: "HostTools/Registry", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        // The gateway service: UDP and serial transports (SwiftNIO), admin API, metrics, config.
        .target(name: "RampartGatewayServer",
                dependencies: ["RampartGateway", "RampartRegistry", "RampartProtocol", "RampartLedger", "RampartDetection",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "Metrics", package: "swift-metrics"),
                               .product(name: "Prometheus", package: "swift-prometheus")],
                path: "HostTools/GatewayServer", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        // `rampart sim`: simulated devices (RampartDevice on the host) over UDP.
        .target(name: "RampartSimulator",
                dependencies: ["RampartDevice", "RampartProtocol", "RampartCrypto", "RampartHostCrypto",
                               "RampartGateway", "RampartRegistry",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio")],
                path: "HostTools/Simulator", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        // libudev (systemd): finding boards among the serial ports, and watching for new ones.
        .systemLibrary(name: "CUdev", path: "HostTools/CUdev", pkgConfig: "libudev",
                       providers: [.apt(["libudev-dev"])]),
        // `rampart provision`: the host side of docs/provisioning.md over a board's serial
        // port, board discovery through udev, registration in the gateway's registry.
        .target(name: "RampartProvisioning",
                dependencies: ["RampartDevice", "RampartProtocol", "RampartCrypto", "RampartHostCrypto", "RampartGateway",
                               "RampartRegistry", "RampartGatewayServer", "RampartLedger", "CUdev"],
                path: "HostTools/Provisioning", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        // The tamper-evident ledger (docs/ledger.md): signed entries, an RFC 9162 Merkle log in
        // SQLite, proofs and verification.
        .target(name: "RampartLedger",
                dependencies: ["RampartHostCrypto", "RampartCrypto", "CSodium", "RampartRegistry", "RampartGateway",
                               .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "Logging", package: "swift-log")],
                path: "HostTools/Ledger"),
        // etcd's v3 JSON API (the grpc-gateway under /v3/) over SwiftNIO: KV, transactions,
        // watches, failover across members.
        .target(name: "RampartEtcd",
                dependencies: [.product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio"),
                               .product(name: "Logging", package: "swift-log")],
                path: "HostTools/Etcd"),
        // Cluster mode: gateways ordering one ledger and sharing the registry, quarantine and
        // revocation sets through etcd.
        .target(name: "RampartCluster",
                dependencies: ["RampartLedger", "RampartEtcd", "RampartRegistry", "RampartGateway",
                               .product(name: "Logging", package: "swift-log")],
                path: "HostTools/Cluster"),
        // Detection and response (docs/detection.md): features from the event stream, Half-Space
        // Trees per device group, rules for hard evidence, the staged policy, risk-adaptive rotation.
        .target(name: "RampartDetection", dependencies: ["RampartGateway", "RampartProtocol"], path: "HostTools/Detection"),
        // The attack lab: the gateway engine, the detector and the devices' firmware state machine
        // in one process on virtual time, with labelled attack scenarios and their evaluation.
        .target(name: "RampartAttackLab",
                dependencies: ["RampartDetection", "RampartGateway", "RampartDevice", "RampartProtocol", "RampartCrypto",
                               "RampartHostCrypto", "RampartSimulator", "RampartGatewayBench",
                               .product(name: "Logging", package: "swift-log")],
                path: "HostTools/AttackLab", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        // Starts and stops local etcd clusters for tests (Debian's etcd-server on loopback).
        .target(name: "EtcdTestSupport", dependencies: ["RampartEtcd"], path: "Tests/EtcdTestSupport"),
        .executableTarget(name: "rampart",
                          dependencies: ["QEMURig", "FirmwareMetrics", "RampartHostCrypto", "RampartEDHOCTools",
                                         "RampartGateway", "RampartRegistry", "RampartGatewayServer", "RampartSimulator",
                                         "RampartGatewayBench",
                                         "RampartProvisioning", "RampartLedger", "RampartCluster",
                                         "RampartDetection", "RampartAttackLab",
                                         .product(name: "Logging", package: "swift-log"),
                                         .product(name: "NIOCore", package: "swift-nio"),
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
        .testTarget(name: "GatewayTests",
                    dependencies: ["RampartGateway", "RampartGatewayBench", "RampartProtocol", "RampartCrypto",
                                   "RampartHostCrypto"],
                    path: "Tests/GatewayTests", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        .testTarget(name: "RegistryTests", dependencies: ["RampartRegistry", "RampartGateway", "RampartProtocol", "RampartHostCrypto"],
                    path: "Tests/RegistryTests"),
        .testTarget(name: "DeviceTests",
                    dependencies: ["RampartDevice", "RampartProtocol", "RampartCrypto", "RampartHostCrypto",
                                   "RampartPlatform", "RampartSimulator", "RampartGateway",
                                   .product(name: "NIOCore", package: "swift-nio"),
                                   .product(name: "NIOPosix", package: "swift-nio")],
                    path: "Tests/DeviceTests", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        .testTarget(name: "GatewayServerTests",
                    dependencies: ["RampartGatewayServer", "RampartGateway", "RampartRegistry", "RampartSimulator",
                                   "RampartDevice", "RampartProtocol", "RampartHostCrypto", "RampartGatewayBench",
                                   "RampartLedger", "RampartCluster", "RampartDetection",
                                   .product(name: "NIOCore", package: "swift-nio"),
                                   .product(name: "NIOPosix", package: "swift-nio")],
                    path: "Tests/GatewayServerTests", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        .testTarget(name: "FirmwareTests", dependencies: ["QEMURig", "FirmwareMetrics"], path: "Tests/FirmwareTests"),
        // The device firmware on QEMU boards, provisioned by `rampart provision` and served by the gateway.
        .testTarget(name: "BoardEndToEndTests",
                    dependencies: ["QEMURig", "RampartGateway", "RampartGatewayServer", "RampartRegistry", "RampartHostCrypto",
                                   .product(name: "Logging", package: "swift-log")],
                    path: "Tests/BoardEndToEndTests"),
        .testTarget(name: "ProvisioningTests",
                    dependencies: ["RampartProvisioning", "RampartDevice", "RampartPlatform", "RampartProtocol",
                                   "RampartCrypto", "RampartHostCrypto", "RampartGateway", "RampartRegistry"],
                    path: "Tests/ProvisioningTests", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        .testTarget(name: "LedgerTests", dependencies: ["RampartLedger", "RampartHostCrypto", "RampartCrypto", "RampartGateway"],
                    path: "Tests/LedgerTests"),
        .testTarget(name: "DetectionTests", dependencies: ["RampartDetection", "RampartGateway"],
                    path: "Tests/DetectionTests"),
        .testTarget(name: "AttackLabTests",
                    dependencies: ["RampartAttackLab", "RampartDetection", "RampartGateway", "RampartSimulator"],
                    path: "Tests/AttackLabTests"),
        .testTarget(name: "EtcdTests", dependencies: ["RampartEtcd", "EtcdTestSupport"], path: "Tests/EtcdTests"),
        // Three gateways and three etcd members on loopback: one ledger, shared actions, faults.
        .testTarget(name: "ClusterTests",
                    dependencies: ["RampartCluster", "RampartLedger", "RampartEtcd", "EtcdTestSupport", "RampartGateway",
                                   "RampartGatewayServer", "RampartRegistry", "RampartSimulator", "RampartHostCrypto",
                                   "RampartProtocol", .product(name: "Logging", package: "swift-log")],
                    path: "Tests/ClusterTests", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
    ]
)

// ── Fuzz targets (libFuzzer; host only) ─────────────────────────────────────────────────────
// One executable `fuzz-<folder, lower case>` per folder of Fuzz/. A plain build gives a program
// that explains itself and exits 2; scripts/fuzz.sh (`make fuzz`) builds them with
// `-sanitize=fuzzer,address -D FUZZING` and runs them. Adding a target: see scripts/fuzz.sh.
let fuzzTargetFolders = ["CBOR", "Framing", "CoAP", "EDHOC", "Gateway"]
/// What a target needs beyond the protocol core.
let fuzzTargetExtras: [String: [Target.Dependency]] = [
    "Gateway": ["RampartGateway", "RampartHostCrypto", .product(name: "Logging", package: "swift-log")],
]
if !isFirmwareBuild {
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Support"))
    for folder in fuzzTargetFolders {
        package.targets.append(.executableTarget(
            name: "fuzz-" + folder.lowercased(),
            dependencies: ["FuzzSupport", "RampartProtocol", "RampartCrypto"] + (fuzzTargetExtras[folder] ?? []),
            path: "Fuzz/" + folder, exclude: ["seeds"], swiftSettings: protocolSwift))
    }
}
// ── end of fuzz targets ─────────────────────────────────────────────────────────────────────
