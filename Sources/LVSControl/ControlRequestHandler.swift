import NIOCore

/// What the control server hands each well-formed, permitted request to: the daemon's state holder.
///
/// Contract: `handle` may be called from any event loop; the returned future completes with the
/// reply. Requests of one connection are passed in arrival order and their replies are written in
/// the same order whatever the implementation's threading.
public protocol ControlRequestHandler: Sendable {
    func handle(_ request: ControlRequestBody) -> EventLoopFuture<ControlReplyBody>
}
