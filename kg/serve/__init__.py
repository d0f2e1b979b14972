"""``kg serve``: one store over HTTP, safe to put on the internet.

- ``/sparql``: the SPARQL 1.1 Protocol (``protocol``); ``/graph-store``: the Graph Store Protocol
  (``graph_store``); ``/queries``: the saved queries (``saved_queries``); ``/hub/ID`` and ``/search``:
  pages for people (``pages``); minted IRIs, ``/describe``, ``/ontology``, VoID and the dump
  (``resources``).
- Every request's work runs in a worker process that is killed when it passes the time limit
  (``engine``, ``tasks``); what it may do is bounded in one place (``limits``), and every error maps
  to its status by its type (``problems``). Read-only unless started with an update token; no
  federated query unless its endpoint is allowed.
"""

from kg.serve.app import Settings, create_app, server_config
from kg.serve.negotiation import negotiate

__all__ = ["Settings", "create_app", "negotiate", "server_config"]
