import VigilModel

@main
struct Vigil {
    static func main() {
        print("vigil")
    }
}
