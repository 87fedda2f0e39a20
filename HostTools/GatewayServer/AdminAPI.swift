import Foundation
import Logging
import NIOHTTP1
import RampartGateway

/// The loopback admin API (JSON over HTTP/1.1, bearer token): the response actions and
/// device state for `rampart action` and scripts. Routes:
///
///     POST /v1/devices/{kidHex}/actions/{action}   body {"reason": "…"}  → ActionOutcome
///     GET  /v1/devices/{kidHex}                                          → DeviceState
///     GET  /v1/health                                                    → {"status":"ok",…}
///
/// `respond` may block (an action writes the registry), so the server runs it on its thread
/// pool, never on an event loop.
public struct AdminAPI: Sendable {
    /// Longest reason accepted (it is recorded in the ledger with the action).
    public static let maxReasonLength = 1024
    /// Longest kid accepted (hex digits); EDHOC kids are a few bytes.
    static let maxKidHexLength = 64

    let engine: any ResponseActions & GatewayGauges
    let token: BearerToken
    let logger: Logger

    public init(engine: any ResponseActions & GatewayGauges, token: BearerToken, logger: Logger) {
        self.engine = engine
        self.token = token
        self.logger = logger
    }

    public func respond(to request: HTTPRequest) -> HTTPReply {
        guard token.authorizes(request.headers.first(name: "authorization")) else {
            return HTTPReply(status: .unauthorized, headers: [("WWW-Authenticate", "Bearer realm=\"rampart\"")],
                             body: jsonError("missing or wrong bearer token (it is in <dataDirectory>/admin.token)"))
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (request.method, parts.count) {
        case (.GET, 2) where parts == ["v1", "health"]:
            return health()
        case (.GET, 3) where parts[0] == "v1" && parts[1] == "devices":
            return deviceState(kidHex: parts[2])
        case (.POST, 5) where parts[0] == "v1" && parts[1] == "devices" && parts[3] == "actions":
            return perform(actionName: parts[4], kidHex: parts[2], body: request.body)
        default:
            let known = parts == ["v1", "health"] || (parts.count == 3 && parts[0] == "v1" && parts[1] == "devices")
                || (parts.count == 5 && parts[0] == "v1" && parts[1] == "devices" && parts[3] == "actions")
            if known {
                return HTTPReply(status: .methodNotAllowed, body: jsonError("\(request.method) is not allowed on \(request.path)"))
            }
            return HTTPReply(status: .notFound, body: jsonError("no route \(request.method) \(request.path)"))
        }
    }

    private func health() -> HTTPReply {
        json(.ok, Health(status: "ok", sessions: engine.sessionCount, halfOpen: engine.halfOpenCount))
    }

    private func deviceState(kidHex: String) -> HTTPReply {
        guard let kid = Self.kid(kidHex) else { return badKid(kidHex) }
        do {
            guard let state = try engine.deviceState(kid: kid) else {
                return HTTPReply(status: .notFound, body: jsonError("no device with kid \(kid.hexString) is registered"))
            }
            return json(.ok, state)
        } catch {
            return failure(error, kid: kid)
        }
    }

    private func perform(actionName: String, kidHex: String, body: [UInt8]) -> HTTPReply {
        guard let action = GatewayAction(rawValue: actionName) else {
            let names = GatewayAction.allCases.map(\.rawValue).joined(separator: ", ")
            return HTTPReply(status: .badRequest, body: jsonError("unknown action \"\(actionName)\" (one of: \(names))"))
        }
        guard let kid = Self.kid(kidHex) else { return badKid(kidHex) }
        guard let request = try? JSONDecoder().decode(ActionRequest.self, from: Data(body)) else {
            return HTTPReply(status: .badRequest, body: jsonError(#"the body must be a JSON object {"reason": "…"}"#))
        }
        let reason = request.reason.trimmingWhitespace
        guard !reason.isEmpty, reason.count <= Self.maxReasonLength else {
            return HTTPReply(status: .badRequest,
                             body: jsonError("the reason must be 1 to \(Self.maxReasonLength) characters (it is recorded with the action)"))
        }
        do {
            let outcome = try engine.perform(action, kid: kid, reason: String(reason))
            logger.debug("admin action", metadata: ["action": "\(action.rawValue)", "kid": "\(kid.hexString)",
                                                     "changed": "\(outcome.changed)"])
            return json(.ok, outcome)
        } catch {
            return failure(error, kid: kid)
        }
    }

    private func failure(_ error: any Error, kid: [UInt8]) -> HTTPReply {
        if let error = error as? DeviceDirectoryError, case .unknownDevice = error {
            return HTTPReply(status: .notFound, body: jsonError(error.description))
        }
        logger.error("admin request failed", metadata: ["kid": "\(kid.hexString)", "error": "\(error)"])
        return HTTPReply(status: .internalServerError, body: jsonError("\(error)"))
    }

    private func badKid(_ text: String) -> HTTPReply {
        HTTPReply(status: .badRequest, body: jsonError("the kid must be 1 to \(Self.maxKidHexLength / 2) bytes in hex (e.g. 0a1b)"))
    }

    static func kid(_ hex: String) -> [UInt8]? {
        guard !hex.isEmpty, hex.count <= maxKidHexLength, let kid = [UInt8](hexString: hex), !kid.isEmpty else { return nil }
        return kid
    }

    private func json(_ status: HTTPResponseStatus, _ value: some Encodable) -> HTTPReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return HTTPReply(status: status, body: Array(try encoder.encode(value)) + [0x0A])
        } catch {
            return HTTPReply(status: .internalServerError, body: jsonError("cannot encode the answer: \(error)"))
        }
    }

    struct ActionRequest: Decodable {
        let reason: String
    }

    public struct Health: Codable, Sendable, Equatable {
        public let status: String
        public let sessions: Int
        public let halfOpen: Int

        public init(status: String, sessions: Int, halfOpen: Int) {
            self.status = status
            self.sessions = sessions
            self.halfOpen = halfOpen
        }
    }
}
