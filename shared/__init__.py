"""Code shared by the OpenFaaS functions and the Dramatiq workers."""
