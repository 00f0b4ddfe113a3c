pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";

/// @title InclusiveRange
/// @notice Constrains lo <= value <= hi for 64-bit unsigned integers.
///         lo and hi are range-checked here; `value` must be range-checked by the caller
///         (CredentialLeaf does). With all three below 2^64, value - lo and hi - value are
///         non-negative exactly when they fit in 64 bits (a negative difference wraps to
///         a ~254-bit field element).
/// @input value  the attribute value (< 2^64, checked by the caller)
/// @input lo     inclusive lower bound (< 2^64)
/// @input hi     inclusive upper bound (< 2^64)
template InclusiveRange() {
    signal input value;
    signal input lo;
    signal input hi;

    _ <== Num2Bits(64)(lo);
    _ <== Num2Bits(64)(hi);
    _ <== Num2Bits(64)(value - lo);
    _ <== Num2Bits(64)(hi - value);
}

/// @title AttributePredicates
/// @notice One public inclusive range per attribute slot; "no constraint" is [0, 2^64-1].
///         The verifier derives the bounds from its policy (age, expiry, region prefix)
///         and checks the public inputs equal them, so the circuit needs no clock.
/// @param N          number of attribute slots
/// @input values[N]  attribute values (< 2^64, checked by the caller)
/// @input lo[N]      inclusive lower bounds
/// @input hi[N]      inclusive upper bounds
template AttributePredicates(N) {
    signal input values[N];
    signal input lo[N];
    signal input hi[N];

    for (var i = 0; i < N; i++) {
        InclusiveRange()(values[i], lo[i], hi[i]);
    }
}
