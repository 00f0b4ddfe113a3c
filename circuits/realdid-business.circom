pragma circom 2.1.5;

include "lib/identity-commitment.circom";
include "lib/credential-leaf.circom";
include "lib/merkle-inclusion.circom";
include "lib/attribute-predicates.circom";
include "lib/did-address.circom";
include "lib/handle-escrow.circom";
include "lib/mandate.circom";
include "lib/enterprise-disclosure.circom";

/// @title RealDidBusiness
/// @notice "I am an enrolled person; I hold a mandate in force, under the same root, from an
///         enterprise whose region and type lie in these ranges (and whose credit code is C,
///         if the site asks), in a role the site accepts and covering the site's task; my
///         address for this scope in this role for this enterprise is P; this proof answers
///         this challenge; and here are my handle and the mandate's encrypted to the regulator."
///         The mandate names the person by their commitment, so only its holder can prove it.
/// @param HEIGHT                  registry tree height (8-way levels; 11 = 2^33 leaves)
/// @param N                       number of personal attribute slots
/// @param BITS                    width of attribute values, days and bounds (32)
/// @param TASKS                   task slots of a mandate (4)
/// @input secret                  identity secret (private)
/// @input attributes[N]           the person's attribute values (private)
/// @input index                   the person's leaf index (private)
/// @input siblings[HEIGHT][7]     the person's Merkle path (private)
/// @input enterpriseCode          the enterprise's credit code, base-31 number (private)
/// @input enterpriseRegion        its administrative division (private)
/// @input enterpriseType          its authority and organisation type, 31·a + t (private)
/// @input role                    the mandate's role (private)
/// @input tasks[TASKS]            the mandate's tasks (private)
/// @input validFrom, validUntil   the mandate's first and last day (private)
/// @input mandateIndex            the mandate's leaf index (private)
/// @input mandateSiblings[HEIGHT][7] the mandate's Merkle path (private)
/// @input escrowRandomness        escrow randomness r < 2^252 (private)
/// @input scope                   public: the site's scope
/// @input challenge               public: the site's challenge, bound into the proof
/// @input regulatorKey[2]         public: the regulator's Baby Jubjub key
/// @input regulatorKeyShifted[2]  public: 2^126·regulatorKey
/// @input today                   public: the verifier's day (days since 1900-01-01)
/// @input allowedRoles[3]         public: 1 where the site accepts role i + 1
/// @input requiredTask            public: the task the mandate must cover, or 0 for any
/// @input revealEnterprise        public: 1 to reveal the credit code
/// @input attributeLo[N], attributeHi[N]   public: bounds on the person's attributes
/// @input enterpriseLo[2], enterpriseHi[2] public: bounds on [region, type]
/// @output root                   the registry root both leaves are under
/// @output pseudonym              Poseidon4(scope, secret, enterpriseCode, role)
/// @output escrowEphemeral[2]     R = k·G
/// @output escrowCipher           person's leaf + Poseidon2(k·regulatorKey)
/// @output mandateCipher          mandate's leaf + Poseidon3(k·regulatorKey, 1)
/// @output revealedEnterprise     the credit code, or 0 when hidden
template RealDidBusiness(HEIGHT, N, BITS, TASKS) {
    signal input secret;
    signal input attributes[N];
    signal input index;
    signal input siblings[HEIGHT][7];
    signal input enterpriseCode;
    signal input enterpriseRegion;
    signal input enterpriseType;
    signal input role;
    signal input tasks[TASKS];
    signal input validFrom;
    signal input validUntil;
    signal input mandateIndex;
    signal input mandateSiblings[HEIGHT][7];
    signal input escrowRandomness;

    signal input scope;
    signal input challenge;
    signal input regulatorKey[2];
    signal input regulatorKeyShifted[2];
    signal input today;
    signal input allowedRoles[3];
    signal input requiredTask;
    signal input revealEnterprise;
    signal input attributeLo[N];
    signal input attributeHi[N];
    signal input enterpriseLo[2];
    signal input enterpriseHi[2];

    signal output root;
    signal output pseudonym;
    signal output escrowEphemeral[2];
    signal output escrowCipher;
    signal output mandateCipher;
    signal output revealedEnterprise;

    signal commitment <== IdentityCommitment()(secret);
    signal leaf <== CredentialLeaf(N)(commitment, attributes);
    root <== MerkleInclusion(HEIGHT)(leaf, index, siblings);
    AttributePredicates(N, BITS)(attributes, attributeLo, attributeHi);

    signal mandate <== MandateLeaf(TASKS)(commitment, enterpriseCode, enterpriseRegion, enterpriseType, role, tasks, validFrom, validUntil, mandateIndex);
    signal mandateRoot <== MerkleInclusion(HEIGHT)(mandate, mandateIndex, mandateSiblings);
    mandateRoot === root;
    RoleInSet(3)(role, allowedRoles);
    TaskInMandate(TASKS)(tasks, requiredTask);
    MandateInForce(BITS)(today, validFrom, validUntil);

    revealedEnterprise <== EnterpriseDisclosure(BITS)(enterpriseCode, enterpriseRegion, enterpriseType, revealEnterprise, enterpriseLo, enterpriseHi);
    pseudonym <== RolePseudonym()(scope, secret, enterpriseCode, role);
    signal ciphers[2];
    (escrowEphemeral, ciphers) <== DoubleHandleEscrow()([leaf, mandate], escrowRandomness, regulatorKey, regulatorKeyShifted);
    escrowCipher <== ciphers[0];
    mandateCipher <== ciphers[1];

    // The challenge enters no other constraint; squaring it keeps it in the R1CS (as RealDid).
    signal challengeSquare <== challenge * challenge;
}
