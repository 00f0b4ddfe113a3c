pragma circom 2.1.5;

include "attribute-predicates.circom";

/// @title EnterpriseDisclosure
/// @notice What a site learns of the enterprise: its credit code when it asks for it
///         (revealed = reveal · code, 0 when hidden), and in every case that its region and
///         organisation type lie in the site's public ranges.
/// @param BITS          width of the region and type encodings and bounds (32)
/// @input code          the enterprise's credit code as a number (private)
/// @input region        its 6-digit administrative division (private)
/// @input type          its authority and organisation type, 31·a + t (private)
/// @input reveal        public: 1 to reveal the code, 0 to keep it hidden (a bit)
/// @input lo[2], hi[2]  public: inclusive bounds for [region, type]
/// @output revealed     the code, or 0
template EnterpriseDisclosure(BITS) {
    signal input code;
    signal input region;
    signal input type;
    signal input reveal;
    signal input lo[2];
    signal input hi[2];
    signal output revealed;

    reveal * (reveal - 1) === 0;
    revealed <== reveal * code;
    AttributePredicates(2, BITS)([region, type], lo, hi);
}
