import Foundation
import RampartGateway

/// The JSON form of `GatewayConfiguration` (`rampart gateway run --config FILE`). A file names
/// only what it changes: every key it leaves out keeps its default. A key the configuration
/// does not have is an error (a misspelt key would otherwise be silently ignored).
public enum ConfigurationFile {
    /// Reads and checks `path`.
    public static func load(path: String) throws(GatewayServerError) -> GatewayConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .configuration("cannot read \(path): \(error.localizedDescription)")
        }
        return try decode(data, source: path)
    }

    /// `data` over the defaults.
    public static func decode(_ data: Data, source: String = "the configuration") throws(GatewayServerError) -> GatewayConfiguration {
        let given: Any
        do {
            given = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .configuration("\(source) is not valid JSON: \(error.localizedDescription)")
        }
        guard let object = given as? [String: Any] else {
            throw .configuration("\(source) must hold a JSON object (print one: rampart gateway config --print-defaults)")
        }
        let merged = try merge(object, over: defaultsObject(), keys: Keys.configuration, at: "", source: source)
        do {
            let mergedData = try JSONSerialization.data(withJSONObject: merged)
            return try JSONDecoder().decode(GatewayConfiguration.self, from: mergedData)
        } catch let error as DecodingError {
            throw .configuration("\(source): \(describe(error))")
        } catch {
            throw .configuration("\(source): \(error)")
        }
    }

    /// The configuration as JSON, every key present (nil as null), keys sorted.
    public static func encode(_ configuration: GatewayConfiguration) -> String {
        do {
            var object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(configuration)) as? [String: Any] ?? [:]
            for key in Keys.configuration.names where object[key] == nil { object[key] = NSNull() }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        } catch {
            return "{}"
        }
    }

    /// The defaults as a JSON object.
    static func defaultsObject() -> [String: Any] {
        let data = (try? JSONEncoder().encode(GatewayConfiguration())) ?? Data("{}".utf8)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// The keys each level accepts, read off the types (synthesised Codable uses the
    /// property names), and which of them are nested objects or lists of objects.
    struct Keys {
        let names: [String]
        var nested: [String: Keys] = [:]
        var elements: [String: (keys: Keys, defaults: [String: Any])] = [:]

        static var configuration: Keys {
            var keys = Keys(names: propertyNames(GatewayConfiguration()))
            keys.nested["engine"] = Keys(names: propertyNames(GatewayConfiguration.EngineLimits()))
            keys.nested["cluster"] = Keys(names: propertyNames(GatewayConfiguration.Cluster()))
            keys.nested["detection"] = Keys(names: propertyNames(DetectionConfiguration()),
                                            nested: ["rotation": Keys(names: propertyNames(RotationConfiguration()))])
            let port = GatewayConfiguration.SerialPortConfiguration(path: "")
            keys.elements["serialPorts"] = (Keys(names: propertyNames(port)), ["baudRate": port.baudRate])
            return keys
        }

        static func propertyNames(_ value: Any) -> [String] {
            Mirror(reflecting: value).children.compactMap(\.label)
        }
    }

    static func merge(_ given: [String: Any], over defaults: [String: Any], keys: Keys, at prefix: String,
                      source: String) throws(GatewayServerError) -> [String: Any] {
        var result = defaults
        for (key, value) in given {
            let path = prefix + key
            guard keys.names.contains(key) else {
                throw .configuration("\(source): unknown key \"\(path)\" (known here: \(keys.names.sorted().joined(separator: ", ")))")
            }
            if let nested = keys.nested[key] {
                guard let object = value as? [String: Any] else { throw .configuration("\(source): \"\(path)\" must be an object") }
                result[key] = try merge(object, over: defaults[key] as? [String: Any] ?? [:], keys: nested,
                                        at: path + ".", source: source)
            } else if let element = keys.elements[key] {
                guard let list = value as? [Any] else { throw .configuration("\(source): \"\(path)\" must be a list") }
                var merged: [Any] = []
                for (index, item) in list.enumerated() {
                    guard let object = item as? [String: Any] else {
                        throw .configuration("\(source): \"\(path)[\(index)]\" must be an object")
                    }
                    merged.append(try merge(object, over: element.defaults, keys: element.keys,
                                            at: "\(path)[\(index)].", source: source))
                }
                result[key] = merged
            } else {
                result[key] = value
            }
        }
        return result
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "\"\(path(context))\" has the wrong type (expected \(type))"
        case .valueNotFound(_, let context): return "\"\(path(context))\" is missing a value"
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "missing key \"\(at.isEmpty ? "" : at + ".")\(key.stringValue)\""
        case .dataCorrupted(let context): return "\"\(path(context))\": \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
