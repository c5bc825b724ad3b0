import Foundation
import LanToaCore
import Testing

@Suite("Composition rules")
struct CompositionTests {
    let head = CompositionMember(role: .leader, affiliations: [.hamletHead])
    let deputy = CompositionMember(role: .deputy, affiliations: [])
    let member = CompositionMember(role: .member, affiliations: [.youthUnion])

    @Test("A team of four has a minimum-size finding")
    func teamWithFourMembers_isNotCompliant() {
        let findings = Composition.check(members: [head, deputy, member, member], teamTier: .hamlet, policy: .national)
        #expect(findings == [.tooFewMembers(count: 4, minimum: 5)])
    }

    @Test("Five with a hamlet-head leader and a deputy is compliant")
    func completeTeam_isCompliant() {
        #expect(Composition.check(members: [head, deputy, member, member, member], teamTier: .hamlet, policy: .national).isEmpty)
    }

    @Test("Leaders, deputies and the hamlet-head rule are named; provinces set their own limits")
    func namedFindings() {
        let plainLeader = CompositionMember(role: .leader, affiliations: [])
        var findings = Composition.check(members: [plainLeader, plainLeader, member, member, member], teamTier: .hamlet, policy: .national)
        #expect(findings == [.severalLeaders(count: 2), .noDeputy])
        findings = Composition.check(members: [plainLeader, deputy, member, member, member], teamTier: .hamlet, policy: .national)
        #expect(findings == [.leaderNotHamletHead])
        #expect(Composition.check(members: [plainLeader, deputy, member, member, member], teamTier: .commune, policy: .national).isEmpty)
        let tuyenQuang = CompositionPolicy(minimumMembers: 3, maximumMembersHamlet: 5, maximumMembersCommune: 10, leaderMustBeHamletHead: false)
        findings = Composition.check(members: [plainLeader, deputy, member, member, member, member], teamTier: .hamlet, policy: tuyenQuang)
        #expect(findings == [.tooManyMembers(count: 6, maximum: 5)])
        #expect(Composition.check(members: [], teamTier: .hamlet, policy: .national).map(\.code) == ["too_few_members", "no_leader", "no_deputy"])
    }
}
