"""Knowledge-base function: upload, list, inspect, delete and re-ingest documents; search them."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from litestar import Litestar, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from shared.auth.errors import Conflict, InvalidInput, NotFound
from shared.auth.guard import requires, requires_active_subscription
from shared.auth.principal import Principal
from shared.http.app import make_function_app
from shared.http.documented import documented_body
from shared.knowledge import answers, presigned, service
from shared.knowledge.schemas import (
    DocumentPage,
    DocumentUploadForm,
    DocumentView,
    SearchRequest,
    SearchResponse,
)
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.uploads import read_document_upload
from shared.infra.fairness import ModelServerBusy
from shared.tenancy.fairness import tenant_lane

Caller = NamedDependency[Principal]
TOO_LARGE = f"The document is larger than {service.MAX_DOCUMENT_BYTES // (1024 * 1024)} MB; split it or compress images."


class PayloadTooLarge(HTTPException):
    status_code = 413


class ServiceBusy(HTTPException):
    status_code = 503


@contextmanager
def _person_waiting(principal: Principal) -> Iterator[None]:
    """Embedding calls for a person waiting on this request: the seller's share, ahead of background
    work; if the embedding server stays busy or slow, a 503 to retry rather than a 500."""
    from openai import APIConnectionError, APITimeoutError  # the kb image has it (KnowledgeStores)

    try:
        with tenant_lane(principal.tenant_id, interactive=True):
            yield
    except (ModelServerBusy, APITimeoutError, APIConnectionError):
        raise ServiceBusy(detail="The search service is busy right now; please try again in a moment.",
                          headers={"Retry-After": "5"}) from None


def _stores(state: State) -> KnowledgeStores:
    return state.knowledge_stores


def _missing() -> NotFound:
    # Same answer for "not yours" and "does not exist": ids of other sellers are not confirmed.
    return NotFound(detail="No such document.")


@post("/documents", summary="Upload a document (multipart/form-data: file, optional title)",
      status_code=HTTP_202_ACCEPTED, guards=[requires("write"), requires_active_subscription],
      request_max_body_size=service.MAX_DOCUMENT_BYTES + 64 * 1024,
      dependencies=documented_body(DocumentUploadForm, RequestEncodingType.MULTI_PART))
async def upload_document(request: Request[Any, Any, State], principal: Caller) -> DocumentView:
    try:
        upload = await read_document_upload(request.headers.get("content-type", ""), request.stream(),
                                            service.MAX_DOCUMENT_BYTES)
        with upload.body:
            document = await service.add_document(
                _stores(request.app.state), principal.tenant_id, principal.user_id,
                filename=upload.filename, title=upload.title, body=upload.body, size=upload.size,
                sha256=upload.sha256)
    except service.DocumentTooLarge:
        raise PayloadTooLarge(detail=TOO_LARGE) from None
    except service.DuplicateDocument as duplicate:
        raise Conflict(detail="This file is already in your knowledge base.",
                       extra={"existingDocumentId": str(duplicate.existing_id)}) from None
    except service.InvalidRequest as problem:
        raise InvalidInput("file", str(problem)) from None
    return document  # its ingestion job was committed with the row (shared.outbox)


@post("/uploads",
      summary="Start a direct upload of a large file: a presigned POST (URL + form fields), 15 minutes, up to 25 MB",
      status_code=201, guards=[requires("write"), requires_active_subscription])
async def start_upload(request: Request[Any, Any, State], principal: Caller,
                       data: JSONBody[presigned.UploadRequest]) -> presigned.UploadTicket:
    try:
        return await presigned.start_upload(_stores(request.app.state), principal.tenant_id,
                                             principal.user_id, data)
    except service.DocumentTooLarge:
        raise PayloadTooLarge(detail=TOO_LARGE) from None
    except presigned.EmptyFile as problem:
        raise InvalidInput("sizeBytes", str(problem)) from None
    except service.InvalidRequest as problem:
        raise InvalidInput("filename", str(problem)) from None


@get("/documents", summary="Documents with their ingestion status, newest first", guards=[requires("read")])
async def list_documents(principal: Caller, cursor: FromQuery[str | None] = None,
                         limit: FromQuery[int] = 50) -> DocumentPage:
    try:
        return await service.list_documents(principal.tenant_id, limit=limit, cursor=cursor)
    except service.InvalidRequest as problem:
        raise InvalidInput("cursor", str(problem)) from None


@get("/documents/{document_id:uuid}", summary="One document and its ingestion status", guards=[requires("read")])
async def get_document(principal: Caller, document_id: FromPath[UUID]) -> DocumentView:
    document = await service.get_document(principal.tenant_id, document_id)
    if document is None:
        raise _missing()
    return document


@delete("/documents/{document_id:uuid}", summary="Delete a document, its chunks and its file",
        guards=[requires("delete")], status_code=204)
async def delete_document(request: Request[Any, Any, State], principal: Caller,
                          document_id: FromPath[UUID]) -> None:
    if not await service.delete_document(_stores(request.app.state), principal.tenant_id, document_id):
        raise _missing()


@post("/documents/{document_id:uuid}/reingest", summary="Index the document again", status_code=HTTP_202_ACCEPTED,
      guards=[requires("write"), requires_active_subscription])
async def reingest_document(principal: Caller, document_id: FromPath[UUID]) -> DocumentView:
    document = await service.mark_for_reingestion(principal.tenant_id, document_id)
    if document is None:
        raise _missing()
    return document


@post("/search", summary="Test your knowledge base: top passages for a question", status_code=200,
      guards=[requires("read")])
async def search(request: Request[Any, Any, State], principal: Caller,
                 data: JSONBody[SearchRequest]) -> SearchResponse:
    try:
        with _person_waiting(principal):
            return await service.search_knowledge(_stores(request.app.state), principal.tenant_id,
                                                  data.query, data.k)
    except service.InvalidRequest as problem:
        raise InvalidInput("query", str(problem)) from None


@get("/answers", summary="Curated answers (question → exact answer)", guards=[requires("read")])
async def list_answers(principal: Caller) -> list[answers.CuratedAnswerView]:
    return await answers.list_answers(principal.tenant_id)


@post("/answers", summary="Add a curated answer the AI sends verbatim when a customer asks this question",
      status_code=201, guards=[requires("write")])
async def create_answer(request: Request[Any, Any, State], principal: Caller,
                        data: JSONBody[answers.CuratedAnswerIn]) -> answers.CuratedAnswerView:
    try:
        with _person_waiting(principal):
            return await answers.create_answer(_stores(request.app.state), principal.tenant_id,
                                               principal.user_id, data)
    except answers.AnswerError as problem:
        raise InvalidInput(problem.field, str(problem)) from None


@patch("/answers/{answer_id:uuid}", summary="Change a curated answer", guards=[requires("write")])
async def update_answer(request: Request[Any, Any, State], principal: Caller, answer_id: FromPath[UUID],
                        data: JSONBody[answers.CuratedAnswerPatch]) -> answers.CuratedAnswerView:
    try:
        with _person_waiting(principal):
            updated = await answers.update_answer(_stores(request.app.state), principal.tenant_id, answer_id, data)
    except answers.AnswerError as problem:
        raise InvalidInput(problem.field, str(problem)) from None
    if updated is None:
        raise NotFound(detail="No such curated answer.")
    return updated


@delete("/answers/{answer_id:uuid}", summary="Delete a curated answer", guards=[requires("delete")], status_code=204)
async def delete_answer(request: Request[Any, Any, State], principal: Caller, answer_id: FromPath[UUID]) -> None:
    if not await answers.delete_answer(_stores(request.app.state), principal.tenant_id, answer_id):
        raise NotFound(detail="No such curated answer.")


@post("/answers/match", summary="Test which curated answer (if any) a customer question would get",
      status_code=200, guards=[requires("read")])
async def match_answer(request: Request[Any, Any, State], principal: Caller,
                       data: JSONBody[SearchRequest]) -> dict[str, Any]:
    with _person_waiting(principal):
        match = await answers.match_curated_answer(_stores(request.app.state), principal.tenant_id, data.query)
    if match is None:
        return {"match": None}
    return {"match": {"answerId": str(match.answer_id), "question": match.question, "answer": match.answer,
                      "similarity": match.similarity}}


async def _open_stores(app: Litestar) -> None:
    app.state.knowledge_stores = await KnowledgeStores.open()


async def _close_stores(app: Litestar) -> None:
    stores = app.state.get("knowledge_stores")
    if stores is not None:
        await stores.close()


app = make_function_app(
    "kb",
    [upload_document, start_upload, list_documents, get_document, delete_document, reingest_document, search,
     list_answers, create_answer, update_answer, delete_answer, match_answer],
    description="Knowledge base: documents the AI answers from (PDF, DOCX, XLSX, CSV, HTML, Markdown, text).",
    on_startup=[_open_stores],
    on_shutdown=[_close_stores],
)
