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
