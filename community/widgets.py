"""Form widgets the site shares."""

from __future__ import annotations

from django import forms


class FilePickerInput(forms.ClearableFileInput):
    """The browser's file input, then (with ``site.js``) a translated button, the names of the
    chosen files and previews of chosen images — instead of the browser's «Choose File / No file
    chosen», which is in the browser's language, not the page's."""

    template_name = "widgets/file_picker.html"  # in the app: form widgets render with the app template loader


class MultipleFilePickerInput(FilePickerInput):
    allow_multiple_selected = True
