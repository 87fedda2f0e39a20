import Testing
import RampartDevice
import RampartProtocol

@Suite("Device: RTT estimator (RFC 6298)")
struct RoundTripTests {
    @Test("the first sample: SRTT = R, RTTVAR = R/2, RTO = 3R")
    func firstSample() {
        var estimator = RoundTripEstimator(minimumMilliseconds: 10)
        #expect(estimator.timeoutMilliseconds == 10 && estimator.smoothedMilliseconds == nil)
        estimator.add(sampleMilliseconds: 100)
        #expect(estimator.smoothedMilliseconds == 100)
        #expect(estimator.variationMilliseconds == 50)
        #expect(estimator.timeoutMilliseconds == 300)
    }

    @Test("constant round trips: SRTT settles on them and RTO comes down to SRTT + a little")
    func converges() {
        var estimator = RoundTripEstimator(minimumMilliseconds: 10)
        var timeouts: [UInt32] = []
        for _ in 0..<60 {
            estimator.add(sampleMilliseconds: 100)
            timeouts.append(estimator.timeoutMilliseconds)
        }
        #expect(estimator.smoothedMilliseconds == 100)
        #expect(timeouts.last! >= 101 && timeouts.last! <= 104)
        // Non-increasing on the way down.
        #expect(zip(timeouts, timeouts.dropFirst()).allSatisfy { $0 >= $1 })
        // A step to another constant: SRTT follows within a few dozen samples.
        for _ in 0..<60 { estimator.add(sampleMilliseconds: 400) }
        #expect(estimator.smoothedMilliseconds.map { $0 >= 398 && $0 <= 400 } == true)
    }

    @Test("jittery round trips with the same mean give a longer RTO")
    func growsWithVariance() {
        var steady = RoundTripEstimator(minimumMilliseconds: 10)
        var jittery = RoundTripEstimator(minimumMilliseconds: 10)
        var wild = RoundTripEstimator(minimumMilliseconds: 10)
        for i in 0..<100 {
            steady.add(sampleMilliseconds: 100)
            jittery.add(sampleMilliseconds: i % 2 == 0 ? 80 : 120)
            wild.add(sampleMilliseconds: i % 2 == 0 ? 20 : 180)
        }
        // |err| is about 20 and 85 (SRTT swings with the samples): RTO ≈ SRTT + 4 × that.
        #expect(jittery.smoothedMilliseconds.map { $0 >= 95 && $0 <= 105 } == true)
        #expect(steady.timeoutMilliseconds < jittery.timeoutMilliseconds)
        #expect(jittery.timeoutMilliseconds < wild.timeoutMilliseconds)
        #expect(jittery.timeoutMilliseconds >= 160 && jittery.timeoutMilliseconds <= 200)
        #expect(wild.timeoutMilliseconds >= 400 && wild.timeoutMilliseconds <= 480)
    }

    @Test("bounds: never below the minimum, never above the maximum")
    func bounds() {
        var fast = RoundTripEstimator(minimumMilliseconds: 2000)
        for _ in 0..<10 { fast.add(sampleMilliseconds: 5) }
        #expect(fast.timeoutMilliseconds == 2000)
        var slow = RoundTripEstimator(minimumMilliseconds: 2000)
        slow.add(sampleMilliseconds: 100_000)
        #expect(slow.timeoutMilliseconds == 60_000)
        slow.add(sampleMilliseconds: UInt32.max)
        #expect(slow.timeoutMilliseconds == 60_000)
        // A minimum above 60 s raises the maximum with it.
        #expect(RoundTripEstimator(minimumMilliseconds: 90_000).timeoutMilliseconds == 90_000)
    }

    @Test("Karn's back-off: doubled until the next sample, capped; cleared when an exchange gets no answer")
    func backOff() {
        var estimator = RoundTripEstimator(minimumMilliseconds: 200)
        estimator.backOff(retransmissions: 1)
        #expect(estimator.timeoutMilliseconds == 400)
        estimator.backOff(retransmissions: 2)
        #expect(estimator.timeoutMilliseconds == 1600)
        estimator.backOff(retransmissions: 200)
        #expect(estimator.timeoutMilliseconds == 60_000)
        estimator.add(sampleMilliseconds: 300)
        #expect(estimator.timeoutMilliseconds == 900)
        estimator.backOff(retransmissions: 1)
        estimator.clearBackOff()
        #expect(estimator.timeoutMilliseconds == 900)
    }

    // MARK: In the device

    @Test("a link slower than ACK_TIMEOUT: one ambiguous exchange (no sample), then the RTO fits the link")
    func slowLink() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.delayMilliseconds = 160    // RTT 320 ms > ACK_TIMEOUT × ACK_RANDOM_FACTOR = 300 ms
        // message_1 went twice: its answer is ambiguous (Karn), so no sample yet.
        link.run(&device, parties.gateway, until: 400)
        #expect(device.counters.retransmissions == 1)
        #expect(device.counters.lastRoundTripMilliseconds == 0 && device.counters.smoothedRoundTripMilliseconds == 0)
        #expect(device.counters.retransmissionTimeoutMilliseconds == 400)   // backed off once

        // message_3 then goes with the doubled timeout, is answered in 320 ms and gives the
        // first sample; from then on nothing is retransmitted.
        link.run(&device, parties.gateway, until: 30_000)
        let counters = device.counters
        #expect(device.phase == .connected)
        #expect(counters.retransmissions == 1)
        #expect(counters.lastRoundTripMilliseconds == 320)
        #expect(counters.smoothedRoundTripMilliseconds == 320)
        #expect(counters.retransmissionTimeoutMilliseconds >= 320 && counters.retransmissionTimeoutMilliseconds <= 330)
        #expect(counters.telemetryAcknowledged >= 25)
        // Every request after message_1's retransmission went once: no two datagrams alike.
        let later = link.sent.dropFirst(2).map(\.bytes)
        #expect(Set(later).count == later.count)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("a fast link keeps RFC 7252's timing: the RTO stays at ACK_TIMEOUT")
    func fastLink() throws {
        let parties = try TestParties(suite: .suite2)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 5_000)
        let counters = device.counters
        #expect(counters.lastRoundTripMilliseconds == 10 && counters.smoothedRoundTripMilliseconds == 10)
        #expect(counters.retransmissionTimeoutMilliseconds == 200)
        #expect(counters.retransmissions == 0)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("the link slows down: a few retransmissions while the RTO catches up, then none")
    func linkSlowsDown() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 5_000)
        #expect(device.counters.retransmissions == 0)
        link.delayMilliseconds = 400    // RTT 800 ms
        // The test gateway has no CoAP deduplication (RFC 7252 §4.5): a retransmitted OSCORE
        // request that reaches it after the original would be a replay. Lose those copies.
        var seen: Set<[UInt8]> = []
        link.dropRequest = { datagram in
            guard TestCoAP.hasOption(datagram.bytes, .oscore) else { return false }
            return !seen.insert(datagram.bytes).inserted
        }
        link.run(&device, parties.gateway, until: 40_000)
        let settled = device.counters
        #expect(settled.retransmissions >= 1 && settled.retransmissions <= 4)
        #expect(settled.smoothedRoundTripMilliseconds >= 700 && settled.smoothedRoundTripMilliseconds <= 800)
        #expect(settled.retransmissionTimeoutMilliseconds >= 800)
        link.run(&device, parties.gateway, until: 70_000)
        #expect(device.counters.retransmissions == settled.retransmissions)
        #expect(device.counters.exchangeTimeouts == 0)
        #expect(device.shutdown().secretsAllWiped)
    }
}
