pragma circom 2.1.5;

include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/escalarmulfix.circom";
include "circomlib/circuits/montgomery.circom";
include "circomlib/circuits/poseidon.circom";

/// @title SignedChoice
/// @notice One digit pair of the joint ladder: Q = d_lo·P + d_hi·P' with d = 2·bit - 1,
///         which is +S (bits 1,1), -S (0,0), +D (1,0) or -D (0,1) for S = P + P',
///         D = P - P'. Four constraints.
/// @param NEGATED      the coordinate that negation flips (Montgomery: 1 (v); Edwards: 0 (x))
/// @input lo, hi       the two bits (the caller constrains them to be bits)
/// @input sum[2]       S
/// @input difference[2] D
/// @output out[2]      Q
template SignedChoice(NEGATED) {
    signal input lo;
    signal input hi;
    signal input sum[2];
    signal input difference[2];
    signal output out[2];

    signal bothBits <== lo * hi;
    // differ = lo XOR hi: D when the bits differ, S when they agree.
    signal differ <== lo + hi - 2 * bothBits;
    signal magnitude[2];
    for (var c = 0; c < 2; c++) {
        magnitude[c] <== sum[c] + differ * (difference[c] - sum[c]);
    }
    // The sign is lo's: +S and +D have lo = 1.
    out[NEGATED] <== (2 * lo - 1) * magnitude[NEGATED];
    out[1 - NEGATED] <== magnitude[1 - NEGATED];
}

/// @title MontgomeryDoubleAdd
/// @notice 2·A + Q on the Montgomery form of Baby Jubjub (B·v² = u³ + A·u² + u, A = 168698,
///         B = 1) as (A + Q) + A without the middle point's v: five constraints against
///         seven for a doubling and an addition. Incomplete: the caller guarantees
///         u(A) != u(Q) and u(A + Q) != u(A), where each slope would be unconstrained.
/// @input acc[2]   A, Montgomery (u, v)
/// @input q[2]     Q, Montgomery (u, v)
/// @output out[2]  2·A + Q
template MontgomeryDoubleAdd() {
    signal input acc[2];
    signal input q[2];
    signal output out[2];

    var A = 168698;

    signal slope1;
    slope1 <-- (q[1] - acc[1]) / (q[0] - acc[0]);
    slope1 * (q[0] - acc[0]) === q[1] - acc[1];
    signal slope1Squared <== slope1 * slope1;
    // u of A + Q.
    signal middleU <== slope1Squared - A - acc[0] - q[0];

    // Slope from A + Q back through A: (v(A+Q) - v(A)) / (u(A+Q) - u(A)) = -slope1 - 2·v(A) / (u(A+Q) - u(A)).
    signal slope2;
    slope2 <-- 2 * acc[1] / (acc[0] - middleU) - slope1;
    (slope1 + slope2) * (acc[0] - middleU) === 2 * acc[1];
    signal slope2Squared <== slope2 * slope2;
    out[0] <== slope2Squared - A - acc[0] - middleU;
    out[1] <== slope2 * (acc[0] - out[0]) - acc[1];
}

/// @title JointScalarMul
/// @notice K = k·P for k = 2r + (2^H + 1)², with r = lo + 2^H·hi given as 2H bits, from P and
///         P' = 2^H·P (both public: the verifier checks P is its regulator key and P' is
///         2^H·P). Shamir's trick walks lo and hi together: H steps of acc = 2·acc + Q with
///         Q = ±P ± P' (signed digits, so every step adds a point), starting from 2·(P + P').
///         About 9 constraints per step for 2 bits, against ~9 per bit for EscalarMulAny.
///
///         Soundness of the incomplete steps: acc = m·P with m = a + 2^H·b, where a and b
///         start at 2 and become 2a ± 1, 2b ± 1, so after k steps 2^k + 1 <= a, b <= 3·2^k - 1;
///         Q = q·P with |q| <= 2^H + 1. Both exceptional cases (m = ±q, 2m + q = 0 mod l) need
///         2m + 2^H + 1 >= l, which cannot happen while 2·(3·2^k - 1)(2^H + 1) + 2^H + 1 < l:
///         for H = 126 that holds for k = 0..122. The last H - INCOMPLETE steps use the
///         complete twisted Edwards formulas instead (test/circuit-templates.test.ts checks
///         the bound). P must be in the prime-order subgroup and not the identity.
/// @param H            bits per half (126)
/// @param INCOMPLETE   steps on incomplete Montgomery formulas (123 for H = 126)
/// @input bits[2H]     r's bits, little-endian (the caller constrains them to be bits)
/// @input base[2]      P (twisted Edwards)
/// @input shifted[2]   P' = 2^H·P (twisted Edwards)
/// @output out[2]      k·P (twisted Edwards)
template JointScalarMul(H, INCOMPLETE) {
    signal input bits[2 * H];
    signal input base[2];
    signal input shifted[2];
    signal output out[2];

    signal baseM[2] <== Edwards2Montgomery()(base);
    signal shiftedM[2] <== Edwards2Montgomery()(shifted);
    signal sumM[2] <== MontgomeryAdd()(baseM, shiftedM);
    signal differenceM[2] <== MontgomeryAdd()(baseM, [shiftedM[0], -shiftedM[1]]);

    signal acc[INCOMPLETE + 1][2];
    acc[0] <== MontgomeryDouble()(sumM);
    signal digitM[INCOMPLETE][2];
    for (var k = 0; k < INCOMPLETE; k++) {
        var bit = H - 1 - k;
        digitM[k] <== SignedChoice(1)(bits[bit], bits[H + bit], sumM, differenceM);
        acc[k + 1] <== MontgomeryDoubleAdd()(acc[k], digitM[k]);
    }

    var COMPLETE = H - INCOMPLETE;
    signal sumE[2] <== Montgomery2Edwards()(sumM);
    signal differenceE[2] <== Montgomery2Edwards()(differenceM);
    signal edwards[COMPLETE + 1][2];
    edwards[0] <== Montgomery2Edwards()(acc[INCOMPLETE]);
    signal doubled[COMPLETE][2];
    signal digitE[COMPLETE][2];
    for (var k = 0; k < COMPLETE; k++) {
        var bit = COMPLETE - 1 - k;
        digitE[k] <== SignedChoice(0)(bits[bit], bits[H + bit], sumE, differenceE);
        (doubled[k][0], doubled[k][1]) <== BabyDbl()(edwards[k][0], edwards[k][1]);
        (edwards[k + 1][0], edwards[k + 1][1]) <== BabyAdd()(doubled[k][0], doubled[k][1], digitE[k][0], digitE[k][1]);
    }
    out <== edwards[COMPLETE];
}

/// @title EscrowKey
/// @notice The ECDH half of the escrow: R = k·G and the shared key K = k·PK, with the
///         ephemeral scalar k = 2r + (2^126 + 1)² (the form JointScalarMul computes; uniform
///         mod l when r is). The regulator recovers K = sk·R. Every escrow pad is a Poseidon
///         hash of K (HandleEscrow, DoubleHandleEscrow).
///         Assumes PK is in the prime-order subgroup and not the identity, and
///         shiftedKey = 2^126·PK: the verifier checks PK equals its policy key (keygen
///         guarantees both properties) and recomputes shiftedKey from it.
/// @input randomness     r, < 2^252 (private; Num2Bits(252) enforces it)
/// @input publicKey[2]   the regulator key PK (twisted Edwards)
/// @input shiftedKey[2]  2^126·PK
/// @output ephemeral[2]  R = k·G, with G = Base8 (the subgroup generator)
/// @output sharedKey[2]  K = k·PK (private to the prover and the regulator)
template EscrowKey() {
    signal input randomness;
    signal input publicKey[2];
    signal input shiftedKey[2];
    signal output ephemeral[2];
    signal output sharedKey[2];

    var H = 126;
    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
    // ((2^126 + 1)² mod l)·G, the constant part of R.
    var OFFSET[2] = [
        16996661651149903870365916387495983960062901051596701812218551400625917868306,
        20751579455847748128304509639024908457127922349998402332190186488941228108371
    ];

    signal rBits[2 * H] <== Num2Bits(2 * H)(randomness);
    // 2r·G: r's bits shifted up by one.
    signal doubledBits[2 * H + 1];
    doubledBits[0] <== 0;
    for (var i = 0; i < 2 * H; i++) doubledBits[i + 1] <== rBits[i];
    signal twoRG[2] <== EscalarMulFix(2 * H + 1, BASE8)(doubledBits);
    (ephemeral[0], ephemeral[1]) <== BabyAdd()(twoRG[0], twoRG[1], OFFSET[0], OFFSET[1]);

    sharedKey <== JointScalarMul(H, 123)(rBits, publicKey, shiftedKey);
}

/// @title HandleEscrow
/// @notice Encrypts the real-name handle to the regulator's Baby Jubjub key, ECDH + Poseidon:
///         R = k·G, K = k·PK (EscrowKey), cipher = handle + Poseidon2(K.x, K.y). The
///         regulator recovers K = sk·R and handle = cipher - Poseidon2(K). Proving it
///         in-circuit means nobody can hand a website a ciphertext of someone else.
///         Same assumptions on PK as EscrowKey.
/// @input handle         the value to escrow (the registry leaf)
/// @input randomness     r, < 2^252 (private)
/// @input publicKey[2]   the regulator key PK (twisted Edwards)
/// @input shiftedKey[2]  2^126·PK
/// @output ephemeral[2]  R = k·G
/// @output cipher        handle + Poseidon2(k·PK)
template HandleEscrow() {
    signal input handle;
    signal input randomness;
    signal input publicKey[2];
    signal input shiftedKey[2];
    signal output ephemeral[2];
    signal output cipher;

    signal sharedKey[2];
    (ephemeral, sharedKey) <== EscrowKey()(randomness, publicKey, shiftedKey);
    signal pad <== Poseidon(2)(sharedKey);
    cipher <== handle + pad;
}

/// @title DoubleHandleEscrow
/// @notice Two handles under one ECDH key (one R, one K): cipher[0] = handles[0] +
///         Poseidon2(K.x, K.y) (so the first decrypts exactly as HandleEscrow's), cipher[1] =
///         handles[1] + Poseidon3(K.x, K.y, 1). The second pad is another hash of K (arity
///         3 and the tag 1), so knowing one handle and its cipher reveals nothing of the other.
///         Same assumptions on PK as EscrowKey.
/// @input handles[2]     the values to escrow (the person's leaf, the mandate's leaf)
/// @input randomness     r, < 2^252 (private)
/// @input publicKey[2]   the regulator key PK
/// @input shiftedKey[2]  2^126·PK
/// @output ephemeral[2]  R = k·G
/// @output cipher[2]     the two ciphertexts
template DoubleHandleEscrow() {
    signal input handles[2];
    signal input randomness;
    signal input publicKey[2];
    signal input shiftedKey[2];
    signal output ephemeral[2];
    signal output cipher[2];

    signal sharedKey[2];
    (ephemeral, sharedKey) <== EscrowKey()(randomness, publicKey, shiftedKey);
    signal pads[2];
    pads[0] <== Poseidon(2)(sharedKey);
    pads[1] <== Poseidon(3)([sharedKey[0], sharedKey[1], 1]);
    cipher[0] <== handles[0] + pads[0];
    cipher[1] <== handles[1] + pads[1];
}
