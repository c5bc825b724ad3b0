/// How sign-in resists guessing: an exponential delay after a few failures, then a temporary lockout, counted per
/// login (known or not, so that a lockout reveals nothing about which logins exist) and per network address.
public struct SignInPolicy: Sendable, Equatable {
    /// Failures for one login before it is locked.
    public var loginFailures: Int
    /// Failures from one address, across logins, before the address is locked.
    public var addressFailures: Int
    /// How long a lockout lasts, in seconds; failures older than this are forgotten.
    public var lockoutSeconds: Int
    /// Failures allowed before each further attempt waits.
    public var freeFailures: Int
    /// The longest wait between two attempts before the lockout, in seconds.
    public var maximumDelaySeconds: Int
    /// Bcrypt's cost for the passwords set from now on (2^cost rounds; a stored hash keeps the cost it was made with).
    /// Not read from the environment: 12 in every deployment; the test suite sets 4, Bcrypt's least, so that hashing
    /// its accounts does not take most of its time.
    public var passwordCost: Int

    public init(loginFailures: Int = 10, addressFailures: Int = 100, lockoutSeconds: Int = 900, freeFailures: Int = 3,
                maximumDelaySeconds: Int = 60, passwordCost: Int = 12) {
        self.loginFailures = loginFailures
        self.addressFailures = addressFailures
        self.lockoutSeconds = lockoutSeconds
        self.freeFailures = freeFailures
        self.maximumDelaySeconds = maximumDelaySeconds
        self.passwordCost = passwordCost
    }

    /// Seconds from a failure until the next attempt is heard, given the failures counted so far (this one included)
    /// and the lockout threshold of the counter: 0 for the first few, then 1, 2, 4, … up to the maximum (only when
    /// `gradual`: an address shared by a whole office is not slowed, only locked at its own threshold), and the
    /// lockout once the threshold is reached.
    public func wait(afterFailures failures: Int, threshold: Int, gradual: Bool = true) -> Int {
        if failures >= threshold { return lockoutSeconds }
        guard gradual, failures > freeFailures else { return 0 }
        let exponent = min(failures - freeFailures - 1, 30)
        return min(1 << exponent, maximumDelaySeconds)
    }
}
