import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The model file: `rampart detect train` writes it, the gateway and the attack lab read it.
///
/// JSON (pretty-printed, sorted keys) so that a file can be diffed and inspected with jq;
/// versioned so that a gateway refuses a file written by a newer Rampart instead of
/// misreading it. Doubles are written in their shortest exact form, so scores after a
/// round trip are bit-for-bit those of the trainer.
public struct DetectionModel: Codable, Sendable {
    /// Version 1: per-group centroid, `FeatureScaler`, `HalfSpaceTrees` and score calibration.
    public static let formatVersion = 1

    /// `formatVersion` when written.
    public var version: Int
    /// The window features, in the order the scaler and the trees index them; checked on
    /// load against what the caller computes.
    public var featureNames: [String]
    /// The features of a device's profile, the space its group is chosen in.
    public var profileFeatureNames: [String]
    public var groups: [Group]
    public var createdAt: Date
    /// What it was trained on (free text: scenario, seed, device-hours) — for `detect` output.
    public var trainedOn: String

    /// One behavioural group of devices and its baseline.
    public struct Group: Codable, Sendable {
        /// "group-0", …
        public var name: String
        /// In profile-feature space (for assigning a device to its group).
        public var centroid: [Double]
        public var scaler: FeatureScaler
        public var forest: HalfSpaceTrees
        /// Scores of the training windows: the 99.9th percentile and the maximum (for calibration).
        public var scoreP999: Double
        public var scoreMax: Double
        public var deviceCount: Int

        public init(name: String, centroid: [Double], scaler: FeatureScaler, forest: HalfSpaceTrees, scoreP999: Double,
                    scoreMax: Double, deviceCount: Int) {
            self.name = name
            self.centroid = centroid
            self.scaler = scaler
            self.forest = forest
            self.scoreP999 = scoreP999
            self.scoreMax = scoreMax
            self.deviceCount = deviceCount
        }
    }

    public init(featureNames: [String], profileFeatureNames: [String], groups: [Group], trainedOn: String,
                createdAt: Date = Date()) {
        version = Self.formatVersion
        self.featureNames = featureNames
        self.profileFeatureNames = profileFeatureNames
        self.groups = groups
        self.createdAt = createdAt
        self.trainedOn = trainedOn
    }

    /// Index of the group whose centroid is nearest to `profile` (`KMeans.nearest`: squared
    /// Euclidean, ties to the lowest index). `groups` must not be empty.
    public func groupIndex(forProfile profile: [Double]) -> Int {
        precondition(!groups.isEmpty, "DetectionModel.groupIndex: the model has no groups")
        var best = 0
        var bestDistance = Double.infinity
        for (index, group) in groups.enumerated() {
            let distance = KMeans.squaredDistance(profile, group.centroid)
            if distance < bestDistance {
                best = index
                bestDistance = distance
            }
        }
        return best
    }

    // MARK: Writing

    /// Mode of a model file: it holds no secret, and the gateway may run as another user.
    static let fileMode: mode_t = 0o644

    /// Writes atomically: the JSON goes to a temporary file beside `path` (mode 0644 whatever
    /// the umask), is synced, and is renamed over `path`, so a reader sees the old model or
    /// the new one, never half of one.
    public func write(to path: String) throws(DetectionModelError) {
        let bytes: Data
        do {
            bytes = try Self.encoder().encode(self)
        } catch {
            throw .unwritable(path: path, reason: "cannot encode the model: \(error)")
        }
        let temporary = path + ".tmp-" + String(UInt64.random(in: 0 ... .max), radix: 16)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, Self.fileMode)
        guard descriptor >= 0 else {
            let code = errno
            throw .unwritable(path: path, reason: "cannot create \(temporary): \(Self.errnoText(code))")
        }
        do throws(DetectionModelError) {
            guard fchmod(descriptor, Self.fileMode) == 0 else {
                let code = errno
                throw .unwritable(path: path, reason: "cannot set the mode of \(temporary): \(Self.errnoText(code))")
            }
            try Self.writeAll(bytes, to: descriptor, path: path)
            guard fsync(descriptor) == 0 else {
                let code = errno
                throw .unwritable(path: path, reason: "cannot sync \(temporary): \(Self.errnoText(code))")
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .unwritable(path: path, reason: Self.errnoText(code))
        }
        Self.syncDirectory(containing: path)
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    private static func writeAll(_ bytes: Data, to descriptor: Int32, path: String) throws(DetectionModelError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .unwritable(path: path, reason: errnoText(code))
            }
            written += count
        }
    }

    /// Makes the rename durable (best effort: some file systems refuse fsync on a directory).
    private static func syncDirectory(containing path: String) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    // MARK: Reading

    /// Reads and checks a model file: its version (a newer one → `.unsupportedVersion`), its
    /// feature names against `expectedFeatureNames` and `expectedProfileFeatureNames` (else
    /// `.featureMismatch` saying which differ), at least one group, and each group's vectors of
    /// the right lengths with its forest's featureCount == featureNames.count (else `.corrupt`).
    public static func read(from path: String, expectedFeatureNames: [String],
                            expectedProfileFeatureNames: [String]) throws(DetectionModelError) -> DetectionModel {
        let bytes = try readFile(path)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // The version first, on its own: a newer format may not decode as this one at all.
        let version: Int
        do {
            version = try decoder.decode(VersionHeader.self, from: bytes).version
        } catch {
            throw .corrupt("\(path) is not a detection model (\(describe(error)))")
        }
        guard version <= formatVersion else { throw .unsupportedVersion(found: version, supported: formatVersion) }
        guard version >= 1 else { throw .corrupt("\(path) has format version \(version), which never existed") }
        let model: DetectionModel
        do {
            model = try decoder.decode(DetectionModel.self, from: bytes)
        } catch {
            throw .corrupt("\(path): \(describe(error))")
        }
        if let difference = namesDifference(kind: "window features", found: model.featureNames, expected: expectedFeatureNames)
            ?? namesDifference(kind: "profile features", found: model.profileFeatureNames,
                               expected: expectedProfileFeatureNames) {
            throw .featureMismatch(difference)
        }
        if let problem = model.inconsistency() { throw .corrupt("\(path): \(problem)") }
        return model
    }

    private struct VersionHeader: Decodable {
        var version: Int
    }

    /// What is wrong with a decoded model whose names are as expected, or nil.
    private func inconsistency() -> String? {
        guard !groups.isEmpty else { return "it has no groups" }
        for group in groups {
            let name = "group \"\(group.name)\""
            if group.centroid.count != profileFeatureNames.count {
                return "\(name) has a centroid of \(group.centroid.count) values for \(profileFeatureNames.count) profile features"
            }
            if group.scaler.ceilings.count != featureNames.count {
                return "\(name) has \(group.scaler.ceilings.count) scaler ceilings for \(featureNames.count) features"
            }
            if group.scaler.ceilings.contains(where: { !($0 >= 0) }) { return "\(name) has a negative scaler ceiling" }
            if group.forest.featureCount != featureNames.count {
                return "\(name) has trees over \(group.forest.featureCount) features, the model names \(featureNames.count)"
            }
            if group.deviceCount < 0 { return "\(name) has a negative device count" }
        }
        return nil
    }

    /// Which names differ between the model and the caller, or nil if they are equal.
    private static func namesDifference(kind: String, found: [String], expected: [String]) -> String? {
        guard found != expected else { return nil }
        let missing = expected.filter { !found.contains($0) }
        let extra = found.filter { !expected.contains($0) }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing from the model: \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { parts.append("unknown to this rampart: \(extra.joined(separator: ", "))") }
        if parts.isEmpty, let index = found.indices.first(where: { $0 < expected.count && found[$0] != expected[$0] }) {
            parts.append("same names in another order, first at position \(index) (\(found[index]) where \(expected[index]) is expected)")
        } else if parts.isEmpty {
            parts.append("\(found.count) names where \(expected.count) are expected")
        }
        return "\(kind) differ: " + parts.joined(separator: "; ")
    }

    private static func readFile(_ path: String) throws(DetectionModelError) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw .unreadable(path: path, reason: errnoText(code))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            throw .unreadable(path: path, reason: errnoText(code))
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        var bytes = Data(count: Int(status.st_size))
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + total, buffer.count - total)
            }
            if count == 0 { break }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .unreadable(path: path, reason: errnoText(code))
            }
            total += count
        }
        // A file that shrank while being read is caught by the JSON decoder.
        bytes.removeSubrange(total...)
        return bytes
    }

    /// A decoding error in a sentence: where in the file and what.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func place(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context):
            return context.debugDescription + place(context.codingPath)
        case .keyNotFound(let key, let context):
            return "no \(key.stringValue)" + place(context.codingPath)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return context.debugDescription + place(context.codingPath)
        @unknown default:
            return "\(error)"
        }
    }

    private static func errnoText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// Why a model file cannot be read or written; each description ends with what to do.
public enum DetectionModelError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be opened or read.
    case unreadable(path: String, reason: String)
    /// The file was written by a newer Rampart.
    case unsupportedVersion(found: Int, supported: Int)
    /// The model was trained on other features than this Rampart computes.
    case featureMismatch(String)
    /// The file is not a valid model (truncated, edited, inconsistent).
    case corrupt(String)
    /// The file cannot be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read the detection model \(path): \(reason); train one with `rampart detect train`, or give the path of an existing one"
        case .unsupportedVersion(let found, let supported):
            "the detection model has format version \(found), and this rampart reads versions up to \(supported): "
                + "upgrade rampart, or retrain with `rampart detect train`"
        case .featureMismatch(let difference):
            "the detection model was trained on other features than this rampart computes (\(difference)): "
                + "retrain with `rampart detect train`"
        case .corrupt(let why):
            "the detection model is damaged (\(why)): retrain with `rampart detect train`, or restore the file from a backup"
        case .unwritable(let path, let reason):
            "cannot write the detection model \(path): \(reason); check that its directory exists and is writable"
        }
    }
}
