import ArgumentParser
struct Rampart: ParsableCommand {}
Rampart.main()
