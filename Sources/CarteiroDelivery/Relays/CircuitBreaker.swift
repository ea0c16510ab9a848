import CarteiroDomain
public import CarteiroMail
public import Foundation

/// A relay's circuit breaker: a value-type state machine driven by explicit calls that carry
/// the time, so it is testable without sleeping and its owner (the pool actor) serialises it.
///
/// Only transient failures count against the relay: a permanent rejection of one recipient
/// means the relay answered, which says it is healthy.
public struct CircuitBreaker: Sendable {
    public enum State: Sendable, Hashable, CustomStringConvertible {
        case closed
        case open(until: Date)
        case halfOpen

        public var description: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half-open"
            }
        }
    }

    public struct Configuration: Sendable, Hashable {
        /// Transient failures in a row that open the breaker.
        public var consecutiveFailures: Int
        /// Share of failures in the window that opens the breaker (at or above it).
        public var failureRatio: Double
        /// How many of the latest outcomes the ratio is computed over.
        public var window: Int
        /// Outcomes the window must hold before the ratio is judged.
        public var minimumInWindow: Int
        /// How long an open breaker refuses requests before letting one trial through.
        public var coolDown: Duration

        public init(
            consecutiveFailures: Int = 5, failureRatio: Double = 0.5, window: Int = 20, minimumInWindow: Int = 10, coolDown: Duration = .seconds(30)
        ) {
            self.consecutiveFailures = consecutiveFailures
            self.failureRatio = failureRatio
            self.window = window
            self.minimumInWindow = minimumInWindow
            self.coolDown = coolDown
        }
    }

    /// A change of state, returned so the caller can log, count or persist it.
    public struct Transition: Sendable, Hashable {
        public let from: State
        public let to: State
        public let reason: String

        public init(from: State, to: State, reason: String) {
            self.from = from
            self.to = to
            self.reason = reason
        }
    }

    public let configuration: Configuration
    public private(set) var state: State = .closed
    /// Whether the single half-open trial is out.
    public private(set) var trialInFlight = false
    private var consecutive = 0
    /// Latest outcomes, oldest first; `true` is a failure.
    private var recent: [Bool] = []

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Whether a request may go now, without taking the half-open trial.
    public func wouldAllowRequest(now: Date) -> Bool {
        switch state {
        case .closed: true
        case .open(let until): now >= until
        case .halfOpen: !trialInFlight
        }
    }

    /// Whether a request may go now. An open breaker whose cool-down has elapsed moves to
    /// half-open and lets exactly one trial through; the next call says no until it reports.
    public mutating func allowsRequest(now: Date) -> Bool {
        acquire(now: now).allowed
    }

    /// `allowsRequest(now:)`, also returning the open → half-open transition it may make.
    public mutating func acquire(now: Date) -> (allowed: Bool, transition: Transition?) {
        switch state {
        case .closed:
            return (true, nil)
        case .open(let until):
            guard now >= until else { return (false, nil) }
            trialInFlight = true
            return (true, move(to: .halfOpen, reason: "cool-down elapsed; one trial allowed"))
        case .halfOpen:
            guard !trialInFlight else { return (false, nil) }
            trialInFlight = true
            return (true, nil)
        }
    }

    public mutating func recordSuccess(now: Date) -> Transition? {
        switch state {
        case .closed:
            consecutive = 0
            remember(failure: false)
            return nil
        case .open:
            // A late report from before the breaker opened; only the trial decides.
            return nil
        case .halfOpen:
            reset()
            return move(to: .closed, reason: "trial succeeded")
        }
    }

    /// Records a transient failure (the caller passes only those).
    public mutating func recordFailure(now: Date) -> Transition? {
        switch state {
        case .closed:
            consecutive += 1
            remember(failure: true)
            if consecutive >= configuration.consecutiveFailures {
                return open(now: now, reason: "\(consecutive) consecutive transient failures")
            }
            let failures = recent.count(where: { $0 })
            if recent.count >= max(1, configuration.minimumInWindow) {
                let ratio = Double(failures) / Double(recent.count)
                if ratio >= configuration.failureRatio {
                    return open(now: now, reason: "\(failures) of the last \(recent.count) outcomes failed")
                }
            }
            return nil
        case .open:
            return nil
        case .halfOpen:
            return open(now: now, reason: "trial failed")
        }
    }

    /// Records what a relay did with a batch: any accepted message or permanent rejection means
    /// the relay answered (success); a batch of transient failures only is a failure; an empty
    /// batch says nothing and only gives back the half-open trial.
    public mutating func record(_ outcomes: [TransportOutcome], now: Date) -> Transition? {
        let answered = outcomes.contains { outcome in
            switch outcome {
            case .accepted: true
            case .rejected(let failure): !failure.isTransient
            }
        }
        if answered { return recordSuccess(now: now) }
        if outcomes.isEmpty {
            cancelTrial()
            return nil
        }
        return recordFailure(now: now)
    }

    /// Gives back the half-open trial without a verdict (the trial sent nothing).
    public mutating func cancelTrial() {
        trialInFlight = false
    }

    private mutating func open(now: Date, reason: String) -> Transition? {
        reset()
        return move(to: .open(until: now.addingTimeInterval(configuration.coolDown.timeInterval)), reason: reason)
    }

    private mutating func reset() {
        consecutive = 0
        recent.removeAll(keepingCapacity: true)
        trialInFlight = false
    }

    private mutating func remember(failure: Bool) {
        recent.append(failure)
        if recent.count > max(1, configuration.window) { recent.removeFirst(recent.count - max(1, configuration.window)) }
    }

    private mutating func move(to next: State, reason: String) -> Transition {
        let transition = Transition(from: state, to: next, reason: reason)
        state = next
        return transition
    }
}
