import CLinuxNet
import Glibc
import LVSCore
import LVSReactor

/// Records mailbox messages and timers; stops itself after `stopAfterTimers` timers.
final class RecordingHandler: ReactorHandler {
    typealias Message = Int

    var messages: [Int] = []
    var started = 0
    var stopping = 0
    var armOnStart: [(slot: UInt32, afterNanoseconds: UInt64)] = []
    var deadlines: [UInt32: MonotonicInstant] = [:]
    var firedSlots: [UInt32] = []
    var timerLateness: [Int64] = []
    var stopAfterTimers = Int.max

    func reactorStarted(_ reactor: Reactor<RecordingHandler>) {
        started += 1
        for (slot, delay) in armOnStart {
            reactor.armTimer(slot: slot, afterNanoseconds: delay)
            deadlines[slot] = reactor.now.adding(nanoseconds: delay)
        }
    }

    func handle(_ event: ReactorEvent, reactor: Reactor<RecordingHandler>) {}

    func timerFired(slot: UInt32, reactor: Reactor<RecordingHandler>) {
        firedSlots.append(slot)
        if let deadline = deadlines[slot] {
            timerLateness.append(Int64(bitPattern: reactor.now.nanoseconds &- deadline.nanoseconds))
        }
        if firedSlots.count == stopAfterTimers { reactor.stop() }
    }

    func mailboxMessage(_ message: Int, reactor: Reactor<RecordingHandler>) {
        messages.append(message)
    }

    func reactorStopping(_ reactor: Reactor<RecordingHandler>) {
        stopping += 1
    }
}

/// Two eventfds are readable before the first epoll_wait, so both land in one batch. Whichever
/// is delivered first closes the other and at once reuses its fd number (dup2) for a new
/// registration: the other's event, still in the batch, must be dropped as stale.
final class StaleEventHandler: ReactorHandler {
    typealias Message = Int

    var eventFDs: [Int32] = []
    var tokens: [ReactorToken] = []
    var closedToken: ReactorToken?
    var reusedToken: ReactorToken?
    var deliveredTokens: [ReactorToken] = []
    var firstBatchDeliveries = 0
    var batches = 0
    var failures: [String] = []

    func reactorStarted(_ reactor: Reactor<StaleEventHandler>) {
        do {
            for _ in 0..<2 {
                let fd = clinuxnet_eventfd()
                _ = clinuxnet_eventfd_signal(fd)
                eventFDs.append(fd)
                tokens.append(try reactor.register(fd, interest: .input))
            }
        } catch {
            failures.append("\(error)")
        }
        reactor.armTimer(slot: 0, afterNanoseconds: 50_000_000)  // ends the test
    }

    func handle(_ event: ReactorEvent, reactor: Reactor<StaleEventHandler>) {
        deliveredTokens.append(event.token)
        if batches == 0 { firstBatchDeliveries += 1 }
        guard closedToken == nil, let other = tokens.first(where: { $0 != event.token }) else { return }
        closedToken = other
        reactor.close(other)
        // Reuse the number at once, as accept4 would for a new connection.
        // (The lowest free number is the one just closed, so eventfd usually gets it itself.)
        let replacement = clinuxnet_eventfd()
        if replacement != other.fd {
            guard dup2(replacement, other.fd) == other.fd else {
                failures.append("dup2")
                return
            }
            close(replacement)
        }
        do {
            reusedToken = try reactor.register(other.fd, interest: .input)
        } catch {
            failures.append("\(error)")
        }
    }

    func batchCompleted(reactor: Reactor<StaleEventHandler>) { batches += 1 }

    func timerFired(slot: UInt32, reactor: Reactor<StaleEventHandler>) { reactor.stop() }

    func mailboxMessage(_ message: Int, reactor: Reactor<StaleEventHandler>) {}

    func reactorStopping(_ reactor: Reactor<StaleEventHandler>) {
        for token in tokens + [reusedToken].compactMap({ $0 }) where reactor.isRegistered(token) {
            reactor.close(token)
        }
    }
}
