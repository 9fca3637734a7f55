"""Personal-data fields on a model: ``<name>_cipher`` + ``<name>_digest`` columns exposed
as one plain ``<name>`` property, which encrypts on write and decrypts on read."""

from . import crypto


def _personal_property(name: str) -> property:
    cipher, digest = f"{name}_cipher", f"{name}_digest"

    def getter(self) -> str:
        cache = self.__dict__.setdefault("_personal_plain", {})
        token = getattr(self, cipher)
        if cache.get(name, (None,))[0] != token:
            cache[name] = (token, crypto.decrypt(token))
        return cache[name][1]

    def setter(self, value) -> None:
        value = crypto.normalise(value or "")
        if getattr(self, cipher) and getter(self) == value:
            return  # the same number: keep the ciphertext, so nothing reads as changed
        token = crypto.encrypt(value)
        setattr(self, cipher, token)
        setattr(self, digest, crypto.digest(value))
        self.__dict__.setdefault("_personal_plain", {})[name] = (token, value)

    return property(getter, setter)


class PersonalDataMixin:
    #: names of personal-data attributes; each needs ``<name>_cipher`` and ``<name>_digest``.
    PERSONAL_FIELDS: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.__dict__.get("PERSONAL_FIELDS", ()):
            setattr(cls, name, _personal_property(name))
