// A first end-to-end run: a registrar enrolls three people, one of them proves to a
// website that they are an adult from province 11 with a valid document, the website
// verifies, and the regulator opens the escrowed handle. Run: npm run example
import {
  credentialLeaf,
  decryptHandle,
  encodeAttributes,
  FastPoseidon,
  groth16Check,
  generateRegulatorKeyPair,
  Identity,
  loadArtifacts,
  predicateBounds,
  Prover,
  randomChallenge,
  RegistryTree,
  releaseCurve,
  todayIso,
  TREE_HEIGHT,
  verifyProof,
} from "../src/index.js";

const today = todayIso();
const regulator = generateRegulatorKeyPair();

// Registrar: verifies each person once and enrolls a leaf for their commitment.
const people = [
  { name: "Li Wei", attributes: { birthDate: "1990-03-14", region: "110105", expiry: "2031-05-01", documentType: "national_id_card" as const } },
  { name: "Zhang Min", attributes: { birthDate: "2012-07-01", region: "310101", expiry: "2030-01-01", documentType: "national_id_card" as const } },
  { name: "Wang Fang", attributes: { birthDate: "1985-11-30", region: "440305", expiry: "2029-09-09", documentType: "passport" as const } },
];
const tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
const enrolled = people.map((person) => {
  const identity = Identity.random(); // made on the citizen's machine; only the commitment is sent
  const attributes = encodeAttributes(person.attributes, today);
  const index = tree.insert(credentialLeaf(identity.commitment, attributes));
  return { ...person, identity, credential: { index, attributes } };
});
console.log(`registrar: enrolled ${enrolled.length} people, root ${tree.root}`);

// Website: asks for age >= 18, a region in province 11 and an unexpired document.
const request = {
  scope: "shop.example",
  challenge: randomChallenge(),
  bounds: predicateBounds({ minAge: 18, regionPrefix: "11", notExpired: true }, today),
  regulatorKey: regulator.publicKey,
};

// Citizen: proves with their secret, credential and Merkle path.
const artifacts = loadArtifacts(); // the published key set (development keys: it says so)
const prover = await Prover.create(artifacts);
const citizen = enrolled[0];
const started = performance.now();
const proof = await prover.prove({ identity: citizen.identity, credential: citizen.credential, merkleProof: tree.proof(citizen.credential.index), request });
console.log(`citizen: proof made in ${Math.round(performance.now() - started)} ms`);

// Website: verifies against its own request and the roots it accepts.
const currentRoot = tree.root;
const outcome = await verifyProof(proof, { ...request, keyId: artifacts.keyId, rootStatus: (root) => (root === currentRoot ? "current" : "unknown") }, groth16Check(artifacts.verificationKey));
if (!outcome.valid) throw new Error(`verification failed: ${outcome.code}: ${outcome.message}`);
console.log(`website: valid proof, DID address ${outcome.didAddress}`);

// Regulator: opens the escrow to the handle (the leaf), which the registrar resolves.
const handle = decryptHandle(outcome.escrow, regulator.secretKey);
const person = enrolled.find((p) => credentialLeaf(p.identity.commitment, p.credential.attributes) === handle);
console.log(`regulator: the escrow opens to ${person?.name}`);
await releaseCurve();
