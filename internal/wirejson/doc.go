// Package wirejson reads the JSON answers of payment providers in one pass,
// without reflection: an adapter's decoder walks an object's members with a
// Reader and keeps the values it knows, as substrings of the document.
//
// It exists for speed on the hot path of every call (encoding/json scans a
// value twice when a field has its own UnmarshalJSON, and allocates per
// field), and it keeps encoding/json's rules where they matter for
// correctness: a Reader accepts and rejects exactly the documents
// json.Valid does (FuzzReaderAgreesWithEncodingJSON checks it), and Fields
// matches member names to fields case-insensitively, as json.Unmarshal
// matches them to struct fields. The adapters' fuzz tests cross-check their
// decoders against encoding/json on the same input.
package wirejson
