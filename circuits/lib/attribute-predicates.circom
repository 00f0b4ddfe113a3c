pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";

/// @title InclusiveRange
/// @notice Constrains lo <= value <= hi, for public bounds below 2^BITS.
///         value - lo and hi - value must both fit in BITS bits. With lo, hi < 2^BITS
///         (the verifier checks its public inputs are its policy's bounds, which are), this
///         means value = lo + d for an integer 0 <= d < 2^BITS, so value is that integer,
///         at least lo, and hi - value >= 0: the range holds over the integers. A value
///         outside the range makes one difference wrap to a ~254-bit field element.
/// @param BITS   width of the bounds (32: attribute encodings are below 2^32)
/// @input value  the attribute value (private)
/// @input lo     inclusive lower bound (public, < 2^BITS)
/// @input hi     inclusive upper bound (public, < 2^BITS)
template InclusiveRange(BITS) {
    signal input value;
    signal input lo;
    signal input hi;

    _ <== Num2Bits(BITS)(value - lo);
    _ <== Num2Bits(BITS)(hi - value);
}

/// @title AttributePredicates
/// @notice One public inclusive range per attribute slot; "no constraint" is [0, 2^BITS - 1].
///         The verifier derives the bounds from its policy (age, expiry, region prefix)
///         and checks the public inputs equal them, so the circuit needs no clock.
/// @param N          number of attribute slots
/// @param BITS       width of attribute values and bounds
/// @input values[N]  attribute values (private)
/// @input lo[N]      inclusive lower bounds (public)
/// @input hi[N]      inclusive upper bounds (public)
template AttributePredicates(N, BITS) {
    signal input values[N];
    signal input lo[N];
    signal input hi[N];

    for (var i = 0; i < N; i++) {
        InclusiveRange(BITS)(values[i], lo[i], hi[i]);
    }
}
