"""Every function behind one in-process gateway, for running in its own process under uvicorn:

    uvicorn tests.hostile.serve_all:app --port 8000

The schemathesis suite calls it synchronously, so it must not share the test's event loop.
"""

from shared.gateway.dispatcher import FunctionGateway
from tests.hostile.conftest import FUNCTIONS

app = FunctionGateway(FUNCTIONS)
