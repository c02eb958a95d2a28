"""FHIR R4 (4.0.1) in and out (DESIGN §4).

- `codes`: the code systems and the tables that map our states and kinds onto FHIR codes;
- `export`: a referral as a `collection` Bundle (`GET /api/v1/referrals/{id}/fhir/`);
- `inbound`: a `transaction` Bundle from an EHR onto the domain services (`POST /api/v1/fhir/`),
  with `reading` (checked access to FHIR JSON) and `mapping` (resources to the services' data);
  `response`: the `transaction-response` Bundle;
- `outcome`: the OperationOutcome of a refused bundle.

The resources validate against HL7's R4 JSON schema and the required code bindings: the
tests check them with the schema vendored under `tests/fhir_r4/`.
"""
