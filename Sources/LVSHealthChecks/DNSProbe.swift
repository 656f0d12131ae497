import LVSHealth
import NIOCore
import NIOPosix

/// DNS_CHECK: a UDP query with a random id and RD set for `name`/`type`; passes when a reply
/// with the same id, QR set and RCODE 0 arrives in time (reference §8.5).
public struct DNSProbe: HealthProbe {
    public let name = "DNS_CHECK"
    public var endpoint: ProbeEndpoint
    public var queryName: String
    public var queryType: String

    public init(endpoint: ProbeEndpoint, queryName: String = ".", queryType: String = "SOA") {
        self.endpoint = endpoint
        self.queryName = queryName
        self.queryType = queryType
    }

    public func run(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ProbeResult> {
        eventLoop.flatSubmit {
            let completion = ProbeCompletion(name: name, eventLoop: eventLoop, timeout: timeout)
            let id = UInt16.random(in: 0...UInt16.max)
            guard let type = DNSMessage.types[queryType.uppercased()],
                let query = DNSMessage.query(id: id, name: queryName, type: type)
            else {
                completion.fail("cannot query \(queryType) \(queryName)")
                return completion.futureResult
            }
            connectUDP(endpoint, on: eventLoop, completion: completion, payload: query) { reply in
                guard let header = DNSMessage.replyHeader(reply), header.id == id, header.isResponse else {
                    return  // not ours: keep waiting
                }
                if header.responseCode == 0 {
                    completion.succeed("\(queryType) \(queryName): \(header.answerCount) answers")
                } else {
                    completion.fail("\(queryType) \(queryName): rcode \(header.responseCode)")
                }
            }
            return completion.futureResult
        }
    }
}
