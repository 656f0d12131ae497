import CLinuxNet
import Glibc
import LVSCore

extension Reactor {
    /// Adds `fd` to the epoll set and returns its token (slot = fd, with a fresh generation).
    /// Reactor thread only. Throws EEXIST if the fd is already registered here, EMFILE if it
    /// is beyond RLIMIT_NOFILE, or epoll_ctl's error.
    @inlinable
    public func register(_ fd: Int32, interest: ReactorInterest) throws(SystemError) -> ReactorToken {
        guard fd >= 0 else { throw SystemError(errno: EBADF, function: "register") }
        let slot = UInt32(bitPattern: fd)
        guard let token = registrations.occupy(slot, with: interest) else {
            let errno = registrations.isOccupied(slot) ? EEXIST : EMFILE
            throw SystemError(errno: errno, function: "register")
        }
        guard clinuxnet_epoll_ctl(epollFD, CLINUXNET_EPOLL_CTL_ADD, fd, interest.rawValue, token.rawValue) == 0 else {
            let error = SystemError.last("epoll_ctl")
            registrations.release(token)
            throw error
        }
        return token
    }

    /// Changes what a registration is interested in; the token stays the same.
    /// Throws EBADF for a stale token.
    @inlinable
    public func modify(_ token: ReactorToken, interest: ReactorInterest) throws(SystemError) {
        guard registrations.isCurrent(token) else { throw SystemError(errno: EBADF, function: "modify") }
        guard clinuxnet_epoll_ctl(epollFD, CLINUXNET_EPOLL_CTL_MOD, token.fd, interest.rawValue, token.rawValue) == 0
        else { throw SystemError.last("epoll_ctl") }
        registrations[token.slot] = interest
    }

    /// Removes a registration and leaves the fd open (the caller keeps or hands it on). Events
    /// already fetched for it in this batch are dropped. Throws EBADF for a stale token.
    @inlinable
    public func deregister(_ token: ReactorToken) throws(SystemError) {
        guard registrations.release(token) != nil else { throw SystemError(errno: EBADF, function: "deregister") }
        guard clinuxnet_epoll_ctl(epollFD, CLINUXNET_EPOLL_CTL_DEL, token.fd, 0, 0) == 0 else {
            throw SystemError.last("epoll_ctl")
        }
    }

    /// Ends a registration and closes its fd with one syscall: closing removes the fd from the
    /// epoll set (no EPOLL_CTL_DEL), provided it was never dup'ed. Events already fetched for it
    /// in this batch are dropped, even if the number is reused at once. Returns false (and
    /// closes nothing) for a stale token. The slot's timer, if any, is the caller's to cancel.
    @inlinable
    @discardableResult
    public func close(_ token: ReactorToken) -> Bool {
        guard registrations.release(token) != nil else { return false }
        _ = Glibc.close(token.fd)
        return true
    }

    /// True if `token` is the current registration of its fd.
    @inlinable
    public func isRegistered(_ token: ReactorToken) -> Bool { registrations.isCurrent(token) }

    /// The current token of a registered fd, nil if it is not registered here.
    @inlinable
    public func token(for fd: Int32) -> ReactorToken? {
        fd >= 0 ? registrations.token(for: UInt32(bitPattern: fd)) : nil
    }

    /// fds registered now (the mailbox eventfd not included).
    public var registeredCount: Int { registrations.occupiedCount }

    // MARK: - Timers (one per slot; slots are the engine's, usually the fd)

    /// Arms (or re-arms) `slot`'s timer for `deadline`. It fires through the handler's
    /// `timerFired` at most one tick late, never early. Cancel it when the slot is freed.
    @inlinable
    public func armTimer(slot: UInt32, at deadline: MonotonicInstant) {
        wheel.arm(slot, at: deadline)
    }

    /// Arms `slot`'s timer `nanoseconds` after the latest wake-up (`now`).
    @inlinable
    public func armTimer(slot: UInt32, afterNanoseconds nanoseconds: UInt64) {
        wheel.arm(slot, at: currentTime.adding(nanoseconds: nanoseconds))
    }

    /// Cancels `slot`'s timer; false if none was armed.
    @inlinable
    @discardableResult
    public func cancelTimer(slot: UInt32) -> Bool { wheel.cancel(slot) }

    /// True if `slot` has a timer armed.
    @inlinable
    public func isTimerArmed(slot: UInt32) -> Bool { wheel.isArmed(slot) }

    /// Timers armed now.
    public var armedTimerCount: Int { wheel.count }
}
