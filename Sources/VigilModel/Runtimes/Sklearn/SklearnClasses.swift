/// The scikit-learn classes a skops archive may hold for Vigil to read it (module-qualified, as
/// skops names them). Anything else fails the load as unsupported.
enum SklearnClasses {
    static let all: Set<String> = []
}
