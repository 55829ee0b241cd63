import NIOCore
import Testing

@testable import VigilPython

struct WorkerFrameTests {
    @Test func encodesARequest() {
        let frame = WorkerFrame.request(
            id: 0x0102_0304_0506_0708,
            contentType: "text/csv",
            body: ByteBuffer(string: "a\n1\n"),
            allocator: ByteBufferAllocator()
        )
        let expected: [UInt8] =
            [0, 0, 0, 23, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 8] + Array("text/csv".utf8) + Array("a\n1\n".utf8)
        #expect(Array(frame.readableBytesView) == expected)
    }

    @Test func marksAMissingContentType() {
        let frame = WorkerFrame.request(id: 9, contentType: nil, body: ByteBuffer(), allocator: ByteBufferAllocator())
        #expect(Array(frame.readableBytesView) == [0, 0, 0, 11, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xFF, 0xFF])
    }
}
