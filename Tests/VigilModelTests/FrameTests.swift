import Testing

@testable import VigilModel

@Suite struct FrameTests {
    @Test func findsColumnsByName() {
        let frame = Frame(names: ["a", "b"], columns: [.double([1, 2]), .string(["x", nil])], rowCount: 2)
        #expect(frame.index(of: "b") == 1)
        #expect(frame.index(of: "c") == nil)
        #expect(frame.columns[1].double(at: 0)?.isNaN == true)
        #expect(frame.columns[0].double(at: 1) == 2)
    }
}
