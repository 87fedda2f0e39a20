#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension DataDirectoryLayout {
    /// Creates the data directory (and missing parents) with mode 0700 if it does not exist,
    /// so that nothing in it is reachable by other users whatever the files' own modes.
    /// An existing directory is used as it is.
    public static func create(_ path: String) throws(KeyStoreError) {
        guard !path.isEmpty else { throw .dataDirectory(path: path, reason: "the path is empty; give one with --data-dir") }
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw .dataDirectory(path: path, reason: "it exists and is not a directory; choose another with --data-dir")
            }
            return
        }
        let parent = parentDirectory(of: path)
        if let parent { try create(parent) }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            let code = errno
            throw .dataDirectory(path: path, reason: "cannot create it: \(errnoText(code)); create it yourself "
                                 + "(mkdir -m 700 \(path)) or choose another with --data-dir")
        }
    }

    /// `directory/name`.
    public static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The parent of `path`, or nil for a single component (created in the working directory)
    /// or the root.
    static func parentDirectory(of path: String) -> String? {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return nil }
        let parent = trimmed[..<slash]
        return parent.isEmpty ? nil : String(parent)
    }
}

/// `strerror` text with the number, e.g. "Permission denied (errno 13)".
func errnoText(_ code: Int32) -> String {
    "\(String(cString: strerror(code))) (errno \(code))"
}
