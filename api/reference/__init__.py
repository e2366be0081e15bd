"""The API's reference: the OpenAPI document of every route (`/openapi.json`) and the page
that shows it (`/docs`). Imports nothing of the project but flask.
"""
