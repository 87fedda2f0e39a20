import Foundation

/// Finds the host programs a run needs.
enum QEMUInstallation {
    static let qemuProgram = "qemu-system-arm"
    static let setprivProgram = "setpriv"

    /// `qemu-system-arm`: the given path if it is executable, else the first on `PATH`.
    static func qemu(override: URL?) throws(QEMURigError) -> URL {
        if let override {
            guard FileManager.default.isExecutableFile(atPath: override.path) else {
                throw .qemuNotInstalled(searched: override.path)
            }
            return override
        }
        guard let found = searchPath(for: qemuProgram) else { throw .qemuNotInstalled(searched: pathDescription) }
        return found
    }

    /// `setpriv` from util-linux, which sets QEMU's parent-death signal.
    static func setpriv() throws(QEMURigError) -> URL {
        guard let found = searchPath(for: setprivProgram) else {
            throw .setprivNotInstalled(searched: pathDescription)
        }
        return found
    }

    private static var searchDirectories: [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"]
    }

    private static var pathDescription: String { "PATH and /usr/bin" }

    private static func searchPath(for program: String) -> URL? {
        for directory in searchDirectories where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: directory).appending(component: program)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
