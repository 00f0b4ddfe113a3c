pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "attribute-predicates.circom";

/// @title MandateLeaf
/// @notice The registry leaf of a mandate: Poseidon12(agent, enterpriseCode, enterpriseRegion,
///         enterpriseType, role, tasks[0..3], validFrom, validUntil, mandateIndex). The
///         registrar writes it after the enterprise's legal representative proved the grant;
///         it lives in the same tree as personal leaves (arity 12 keeps the two kinds apart).
///         Binding the leaf's own index makes every mandate's leaf distinct, also when the
///         same terms are granted again after a revocation.
/// @param TASKS              task slots (4); an unused slot is 0
/// @input agent              the agent's identity commitment
/// @input enterpriseCode     the enterprise's credit code as a base-31 number
/// @input enterpriseRegion   its 6-digit administrative division of registration
/// @input enterpriseType     its registration authority and organisation type (31·a + t)
/// @input role               1 legal representative, 2 license manager, 3 agent
/// @input tasks[TASKS]       the business tasks the mandate covers
/// @input validFrom          first valid day (days since 1900-01-01)
/// @input validUntil         last valid day
/// @input mandateIndex       the leaf's index in the registry
/// @output leaf              the mandate's registry leaf (also its escrowed handle)
template MandateLeaf(TASKS) {
    signal input agent;
    signal input enterpriseCode;
    signal input enterpriseRegion;
    signal input enterpriseType;
    signal input role;
    signal input tasks[TASKS];
    signal input validFrom;
    signal input validUntil;
    signal input mandateIndex;
    signal output leaf;

    signal preimage[8 + TASKS];
    preimage[0] <== agent;
    preimage[1] <== enterpriseCode;
    preimage[2] <== enterpriseRegion;
    preimage[3] <== enterpriseType;
    preimage[4] <== role;
    for (var i = 0; i < TASKS; i++) preimage[5 + i] <== tasks[i];
    preimage[5 + TASKS] <== validFrom;
    preimage[6 + TASKS] <== validUntil;
    preimage[7 + TASKS] <== mandateIndex;
    leaf <== Poseidon(8 + TASKS)(preimage);
}

/// @title RoleInSet
/// @notice The mandate's role is one the site accepts: sum_i allowed[i]·(role == i + 1) = 1.
///         The equalities are mutually exclusive, so the sum is allowed[role - 1] for a role
///         in 1..ROLES and 0 for any other value; allowed[] are constrained to be bits.
/// @param ROLES        number of roles (3)
/// @input role         the mandate's role (private)
/// @input allowed[ROLES] public: 1 where the site accepts role i + 1
template RoleInSet(ROLES) {
    signal input role;
    signal input allowed[ROLES];

    signal isRole[ROLES];
    signal accepted[ROLES + 1];
    accepted[0] <== 0;
    for (var i = 0; i < ROLES; i++) {
        allowed[i] * (allowed[i] - 1) === 0;
        isRole[i] <== IsEqual()([role, i + 1]);
        accepted[i + 1] <== accepted[i] + allowed[i] * isRole[i];
    }
    accepted[ROLES] === 1;
}

/// @title TaskInMandate
/// @notice The site's required task is one the mandate covers:
///         required · (tasks[0] - ALL_TASKS) · prod_i (tasks[i] - required) = 0.
///         A required task of 0 means "any task" (the site asks for none); a mandate whose
///         first slot is ALL_TASKS (1: the legal representative's) covers every task; unused
///         slots are 0, so they never match a required task (the verifier's are >= 1001).
/// @param TASKS        task slots
/// @input tasks[TASKS] the mandate's tasks (private; written by the registrar)
/// @input required     public: the task the site requires, or 0
template TaskInMandate(TASKS) {
    signal input tasks[TASKS];
    signal input required;

    var ALL_TASKS = 1;
    signal product[TASKS + 2];
    product[0] <== required;
    product[1] <== product[0] * (tasks[0] - ALL_TASKS);
    for (var i = 0; i < TASKS; i++) product[i + 2] <== product[i + 1] * (tasks[i] - required);
    product[TASKS + 1] === 0;
}

/// @title MandateInForce
/// @notice validFrom <= today <= validUntil. The dates come from the leaf (the registrar
///         writes day numbers) and are range-checked here as well, so the comparison holds
///         over the integers even if a leaf carried a larger value; today is public and the
///         verifier checks it is its own day (< 2^BITS).
/// @param BITS        width of day numbers (32)
/// @input today       public: the verifier's day (days since 1900-01-01)
/// @input validFrom   first valid day (private)
/// @input validUntil  last valid day (private)
template MandateInForce(BITS) {
    signal input today;
    signal input validFrom;
    signal input validUntil;

    _ <== Num2Bits(BITS)(validFrom);
    _ <== Num2Bits(BITS)(validUntil);
    InclusiveRange(BITS)(today, validFrom, validUntil);
}
