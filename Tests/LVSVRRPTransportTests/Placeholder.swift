import Testing

@testable import LVSVRRPTransport
