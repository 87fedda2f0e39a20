import RampartProtocol

// Every path that leaves an EDHOC state or an OSCORE context goes through here, so the
// secrets are zeroed (the protocol core's non-copyable types cannot wipe themselves in a
// deinit) and the bookkeeping in `DeviceCounters` stays exact.

extension Device {
    /// Ends a handshake in progress: aborts the EDHOC state waiting for message_2 and wipes
    /// a context derived but not yet confirmed by the gateway.
    mutating func abortHandshakeState() {
        if let state = waitM2.take() {
            state.abort()
            counters.edhocSessionsEnded &+= 1
        }
        if var derived = pendingContext.take() {
            derived.wipe()
            counters.oscoreContextsWiped &+= 1
        }
    }

    /// Wipes the installed OSCORE context (forced re-key, quarantine, revocation, a new
    /// session replacing it, shutdown).
    mutating func wipeContext() {
        telemetryBinding = nil
        if var old = context.take() {
            old.wipe()
            counters.oscoreContextsWiped &+= 1
        }
    }
}

extension Device {
    /// Feeds the local failure-rate indicator: an EWMA with weight 1/8 (shifts only) of
    /// exchange outcomes (DESIGN.md §3: reported with telemetry, per mille).
    mutating func noteOutcome(failed: Bool) {
        failureFractionQ16 = failureFractionQ16 &- (failureFractionQ16 &>> 3) &+ (failed ? 65_536 &>> 3 : 0)
    }
}
