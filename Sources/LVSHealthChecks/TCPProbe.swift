import LVSHealth
import NIOCore
import NIOPosix

/// TCP_CHECK: the connection completes within the timeout, then is closed (reference §8.5).
public struct TCPProbe: HealthProbe {
    public let name = "TCP_CHECK"
    public var endpoint: ProbeEndpoint

    public init(endpoint: ProbeEndpoint) { self.endpoint = endpoint }

    public func run(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ProbeResult> {
        eventLoop.flatSubmit {
            let completion = ProbeCompletion(name: name, eventLoop: eventLoop, timeout: timeout)
            let endpoint = self.endpoint
            // Connected: success (the completion closes the channel).
            connectTCP(
                endpoint, on: eventLoop, timeout: timeout, completion: completion,
                onConnected: { _ in completion.succeed("connected to \(endpoint)") }, handlers: { _ in })
            return completion.futureResult
        }
    }
}
