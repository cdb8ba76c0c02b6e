"""The "Your data" part of the Settings page: download a trainee's export (JSON) and graded turns (CSV),
and import an export file.

Downloads are built only when clicked, by Streamlit on another thread, so each opens (and closes) a
connection of its own from the database path; nothing here holds a connection across threads or runs.
"""

from __future__ import annotations

import logging
import sqlite3

import streamlit as st

import runtime
from closergym import store, transfer
from closergym.config import Config
from components import trainee
from components.text import literal

log = logging.getLogger(__name__)

NONCE_KEY = "settings_import_nonce"  # bumped after an import, so the uploader comes back empty
AS_KEY = "settings_import_as"
RESULT_KEY = "settings_import_result"
LIMIT_MB = transfer.MAX_IMPORT_BYTES // 1024**2


def uploader_key() -> str:
    return f"settings_import_file_{st.session_state.setdefault(NONCE_KEY, 0)}"


def run_import(current_name: str) -> None:
    """Import the uploaded file; keep a one-line outcome for the next run to show. Only a browser with a
    profile open gets here (the box is drawn for it alone); the check runs again on the click's own run."""
    uploaded = st.session_state.get(uploader_key())
    if uploaded is None or runtime.trainee() is None:
        return
    as_trainee = current_name if st.session_state.get(AS_KEY) == "me" else None
    held = runtime.trainee()  # checked again: a new code elsewhere may have shut this session out
    owner_id = held["id"] if held else None
    uploaded.seek(0)  # a second try with the same file reads it from the start
    try:
        document = transfer.read_import_file(uploaded)
        # A private profile this browser has opened (or just created by an import) takes the import with the
        # code this browser holds for it: importing the same file twice adds nothing instead of refusing.
        target = store.get_trainee_by_name(runtime.db(), transfer.target_name(document, as_trainee))
        code = trainee.known().get(target["id"], ("", ""))[1] if target else None
        report = transfer.import_document(runtime.db(), document, as_trainee=as_trainee, access_code=code or None,
                                          owner_id=owner_id, private=True)
    except (transfer.TransferError, store.StorageError) as error:
        outcome = ("error", f"Nothing was imported. {error}")
    except sqlite3.Error as error:
        outcome = ("error", f"Nothing was imported: the database said “{error}”. Try again in a moment.")
    except Exception:
        log.exception("Import of %s failed", uploaded.name)
        outcome = ("error", "Nothing was imported: something unexpected went wrong (the server log has details).")
    else:
        outcome = ("success", report.summary())
        if report.access_code:  # a new private profile: this browser may switch to it from the sidebar
            created = store.get_trainee_by_name(runtime.db(), report.trainee)
            trainee.known()[created["id"]] = (created["name"], report.access_code)
        st.session_state[NONCE_KEY] += 1
    st.session_state[RESULT_KEY] = outcome


def held_export(db_path, trainee_id: int, code: str, *, kind) -> bytes:
    """An export built when its download is clicked (on another thread, after the page was drawn): only while
    `code` still opens the profile, so a new code elsewhere shuts this page's downloads out too."""
    db = store.open_db(db_path, create_folder=False)
    try:
        if not store.opens(store.get_trainee(db, trainee_id), code):
            raise PermissionError(runtime.LET_GO)
    finally:
        db.close()
    return transfer.export_bytes(db_path, trainee_id, kind=kind)


def downloads(config: Config, current: dict) -> None:
    db_path, trainee_id, name = config.db_path, current["id"], current["name"]
    code = trainee.known()[trainee_id][1]
    left, right = st.columns(2)
    left.download_button(
        "Everything (JSON)", data=lambda: held_export(db_path, trainee_id, code, kind="json"),
        file_name=transfer.export_file_name(name, extension="json"), mime="application/json",
        icon=":material/download:", on_click="ignore", width="stretch", key="settings_export_json",
    )
    right.download_button(
        "Graded turns (CSV)", data=lambda: held_export(db_path, trainee_id, code, kind="csv"),
        file_name=transfer.export_file_name(name, extension="csv"), mime="text/csv",
        icon=":material/table_chart:", on_click="ignore", width="stretch", key="settings_export_csv",
    )
    st.caption(f"Everything {literal(name)} did here: sessions, graded turns, lessons read, generator runs. "
               "No settings or keys are ever part of it.")


def import_box(current: dict) -> None:
    uploaded = st.file_uploader(
        "Import an export file", type="json", key=uploader_key(), max_upload_size=LIMIT_MB,
        help=f"A JSON file from the Everything button, up to {LIMIT_MB} MB. What is already here is "
             "skipped, so importing the same file twice changes nothing.",
    )
    st.radio("Import as", ["file", "me"], key=AS_KEY, horizontal=True,
             format_func={"file": "The name in the file", "me": literal(current["name"])}.get)  # labels are Markdown
    st.button("Import", on_click=run_import, args=(current["name"],), disabled=uploaded is None,
              key="settings_import_button")
    kind, message = st.session_state.pop(RESULT_KEY, (None, ""))
    if kind == "success":
        st.success(literal(message), icon=":material/check_circle:")
    elif kind == "error":
        st.error(literal(message), icon=":material/warning:")


def render(config: Config, current: dict | None) -> None:
    st.subheader("Your data")
    st.caption("On Streamlit Community Cloud the app's disk is wiped when it restarts or is redeployed: "
               "export regularly and import the file afterwards, or point `CLOSERGYM_DB` at a disk that lasts.")
    if not current:
        st.info("Open your profile in the sidebar (or make one) to export your data or import an export file.",
                icon=":material/person:")
        return
    downloads(config, current)
    import_box(current)
