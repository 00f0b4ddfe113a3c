{
  "targets": [
    {
      "target_name": "realdid_poseidon",
      "sources": ["native/poseidon-bn254.c"],
      "cflags": ["-O3"]
    }
  ]
}
