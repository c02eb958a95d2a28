"""Reading admin pages the way a browser submits them."""

from html.parser import HTMLParser

from django.urls import reverse


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(obj.uuid,))


def changelist_url(model) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


class _FormFields(HTMLParser):
    """The values a browser would submit from the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select, self._textarea = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or not attrs.get("name"):
            if tag == "option" and self._select and "selected" in attrs:
                self.data[self._select] = attrs.get("value", "")
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind == "checkbox":
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
                return
            self.data[name] = attrs.get("value", "")
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline that follows <textarea>.
            self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_data(response, form_id: str) -> dict:
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    return parser.data
