import RampartCrypto

/// Where a server finds the Recipient Context for a request (RFC 8613 §8.2 step 2): by
/// Recipient ID (the request's 'kid') and, when the request carries one, ID Context.
/// The gateway's session table and a device's single context both conform.
public protocol OSCORESecurityContextLookup: ~Copyable {
    /// Calls `body` with the context whose Recipient ID is `recipientID` (and whose ID
    /// Context is `idContext`, when given) and returns its result; nil when there is none.
    mutating func withSecurityContext<Result>(recipientID: Span<UInt8>, idContext: Span<UInt8>?,
                                              _ body: (inout OSCORESecurityContext) -> Result) -> Result?
}

extension OSCORESecurityContext {
    /// Verifies a request whose context `contexts` holds (RFC 8613 §8.2): parses it, looks
    /// the context up by 'kid' and 'kid context', and unprotects it with that context.
    ///
    /// - Throws: `.securityContextNotFound` when no context matches (answer with
    ///   `OSCOREErrorResponse`), and everything `unprotectRequest` throws.
    public static func unprotectRequest<Crypto: CryptoProvider, Contexts: OSCORESecurityContextLookup & ~Copyable>(
        _ bytes: Span<UInt8>, contexts: inout Contexts, crypto: borrowing Crypto,
        scratch: inout MutableSpan<UInt8>, into output: inout ByteWriter
    ) throws(OSCOREError) -> OSCORERequestBinding {
        let request = try OSCOREProtectedMessage(parsing: bytes)
        guard !request.optionValue.partialIV.isEmpty else { throw .malformed(.missingPartialIV) }
        guard let kid = request.kid else { throw .malformed(.missingKid) }
        let crypto = copy crypto
        let outcome = contexts.withSecurityContext(recipientID: kid, idContext: request.kidContext) {
            (context: inout OSCORESecurityContext) -> Result<OSCORERequestBinding, OSCOREError> in
            do throws(OSCOREError) {
                return .success(try context.unprotectRequest(request, crypto: crypto, scratch: &scratch, into: &output))
            } catch {
                return .failure(error)
            }
        }
        guard let outcome else { throw .securityContextNotFound }
        switch outcome {
        case .success(let binding): return binding
        case .failure(let error): throw error
        }
    }
}
