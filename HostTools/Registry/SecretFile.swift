#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RampartCrypto

/// Files holding secrets (static keys, the sealing key, the admin token): created 0600 from
/// the first byte, read only when no one but their owner can reach them.
package enum SecretFile {
    /// Mode of a new secret file: read and write for the owner only.
    package static let mode: mode_t = 0o600
    /// Permission bits that must be clear on a secret file: any access by group or others.
    package static let groupOrOtherBits: mode_t = 0o077

    /// Creates `path` holding `contents`, unless it already exists (then returns false and
    /// leaves it alone).
    ///
    /// The bytes go to a temporary file opened with O_CREAT | O_EXCL and mode 0600 (never
    /// readable by others, not even for a moment), are synced, and the file is then linked
    /// to `path`: `link` fails if `path` exists, so two processes starting at once (the
    /// gateway and `rampart gateway credential`) cannot overwrite each other's key, and no
    /// one ever reads a half-written file.
    package static func createExclusively(_ path: String, contents: [UInt8]) throws(KeyStoreError) -> Bool {
        let temporary = path + ".tmp-" + String(UInt64.random(in: 0 ... .max), radix: 16)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else {
            let code = errno
            throw .io(path: temporary, operation: "create", reason: errnoText(code) + "; check the data directory's permissions")
        }
        do throws(KeyStoreError) {
            try writeAll(contents, to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else {
                let code = errno
                throw .io(path: temporary, operation: "sync", reason: errnoText(code))
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        defer { unlink(temporary) }
        if link(temporary, path) == 0 {
            syncDirectory(containing: path)
            return true
        }
        let code = errno
        if code == EEXIST { return false }
        if code == EPERM || code == EOPNOTSUPP {
            // A file system without hard links: rename is atomic but replaces; check first
            // (the window for a concurrent first start is accepted there).
            guard access(path, F_OK) != 0 else { return false }
            guard rename(temporary, path) == 0 else {
                let renameCode = errno
                throw .io(path: path, operation: "create", reason: errnoText(renameCode))
            }
            syncDirectory(containing: path)
            return true
        }
        throw .io(path: path, operation: "create", reason: errnoText(code))
    }

    /// The contents of `path`, or nil if it does not exist.
    ///
    /// - Throws: `.insecurePermissions` if group or others have any access to it (checked on
    ///   the opened file, so a swap in between does not matter); `.malformedKeyFile` if it is
    ///   not a regular file or holds more than `maxByteCount` bytes.
    package static func read(_ path: String, maxByteCount: Int) throws(KeyStoreError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw .io(path: path, operation: "open", reason: errnoText(code))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            throw .io(path: path, operation: "stat", reason: errnoText(code))
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .malformedKeyFile(path: path, reason: "not a regular file") }
        guard status.st_mode & groupOrOtherBits == 0 else {
            throw .insecurePermissions(path: path, mode: UInt32(status.st_mode & 0o7777))
        }
        // One byte of room past the limit tells an oversized file from one that fits exactly.
        var buffer = [UInt8](repeating: 0, count: maxByteCount + 1)
        var total = 0
        while total < buffer.count {
            let count = buffer.withUnsafeMutableBytes { bytes in
                Glibc.read(descriptor, bytes.baseAddress! + total, bytes.count - total)
            }
            if count == 0 { break }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                wipe(&buffer)
                throw .io(path: path, operation: "read", reason: errnoText(code))
            }
            total += count
        }
        guard total <= maxByteCount else {
            wipe(&buffer)
            throw .malformedKeyFile(path: path, reason: "larger than \(maxByteCount) bytes")
        }
        // The removed tail was never written: only zeros are left behind in the capacity.
        buffer.removeSubrange(total...)
        return buffer
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(KeyStoreError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .io(path: path, operation: "write", reason: errnoText(code))
            }
            written += count
        }
    }

    /// Makes a new directory entry durable (best effort: some file systems refuse fsync on
    /// a directory, and the file's own data is already synced).
    private static func syncDirectory(containing path: String) {
        let directory = DataDirectoryLayout.parentDirectory(of: path) ?? "."
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}

/// Zeroes a buffer that held a secret (see `secureZero`); the array keeps its count.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { secureZero($0) }
}
