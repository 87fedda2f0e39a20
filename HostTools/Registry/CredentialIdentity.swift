import RampartGateway
import RampartProtocol

/// What a CCS credential says about whom it names: its kid and the suite of its key. Lets
/// tools that do not speak EDHOC (the CLI) register a device from its credential alone.
public struct CredentialIdentity: Sendable, Equatable {
    /// The COSE_Key's kid (ID_CRED_x = { 4 : kid }).
    public let kid: [UInt8]
    /// 0 for an X25519 key, 2 for P-256.
    public let suite: Int32

    /// Reads a CCS (RFC 8392) with a COSE_Key; throws `.invalidRecord` saying why not.
    public init(ccs: [UInt8]) throws(DeviceDirectoryError) {
        let credential: EDHOCCredential
        do {
            credential = try EDHOCCredential(ccs: ccs.span)
        } catch {
            throw .invalidRecord("the credential is not a CCS (RFC 8392) with a kid and an X25519 or P-256 "
                                 + "COSE_Key (\(error))")
        }
        kid = (0..<credential.keyID.count).map { credential.keyID[$0] }
        suite = credential.suite.rawValue
    }
}

extension DeviceRecord {
    /// The record of the device with this credential: kid and suite are the credential's.
    public init(credential: [UInt8], policy: DevicePolicy = .default, status: DeviceStatus = .active,
                label: String = "") throws(DeviceDirectoryError) {
        let identity = try CredentialIdentity(ccs: credential)
        self.init(kid: identity.kid, credential: credential, suites: [identity.suite], policy: policy, status: status,
                  label: label)
    }
}
