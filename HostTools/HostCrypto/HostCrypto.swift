import Foundation
import CSodium
public enum HostCrypto {}
