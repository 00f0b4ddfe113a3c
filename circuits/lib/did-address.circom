pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";

/// @title DidAddress
/// @notice The citizen's address at one scope: Poseidon2(scope, secret). Stable for a
///         person and a site, unlinkable across sites; it also serves as the
///         one-per-person nullifier for that scope.
/// @input scope     the site's scope (a field element derived from its domain/action)
/// @input secret    the identity secret (private)
/// @output address  the DID address / nullifier
template DidAddress() {
    signal input scope;
    signal input secret;
    signal output address;

    address <== Poseidon(2)([scope, secret]);
}

/// @title RolePseudonym
/// @notice The person-in-role's address at one site: Poseidon4(scope, secret, enterpriseCode,
///         role). Stable for one person acting for one enterprise in one role at one site;
///         unlinkable across sites, enterprises and roles, and to the person's own DID
///         address (Poseidon2(scope, secret)). It is also the business login's nullifier.
/// @input scope           the site's scope
/// @input secret          the identity secret (private)
/// @input enterpriseCode  the enterprise's credit code (private)
/// @input role            the mandate's role (private)
/// @output pseudonym      the address
template RolePseudonym() {
    signal input scope;
    signal input secret;
    signal input enterpriseCode;
    signal input role;
    signal output pseudonym;

    pseudonym <== Poseidon(4)([scope, secret, enterpriseCode, role]);
}
