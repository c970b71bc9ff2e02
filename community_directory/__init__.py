"""Community directory: HSDS 3.0 (Open Referral UK) listings, postcodes and matching.

A library with no web framework in it. Entry points:

* models.Base / models.*           tables (HSDS 3.0 with an `hsds_` prefix, plus local ones)
* importing.import_path            import a CSV data package or HSDS JSON (idempotent, atomic)
* exporting.export_csv_package / export_json   write the directory back out
* serialise.*  and  queries.*      HSDS JSON for the API, and its list/search queries
* geography.lookup_postcode        postcodes to places, with IMD decile
* matching.find_matches            ranked suggestions for the chatbot, with reasons
* demo.load_demo                   the fictional Sunderland demo directory
"""
