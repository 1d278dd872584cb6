package com.strongroom.keys;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_UNWRAP;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_WRAP;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_AES_KEY_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_AES_KEY_WRAP_PAD;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_PIN_INCORRECT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_PIN_LEN_RANGE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_PIN_LOCKED;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_USER_ALREADY_LOGGED_IN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import com.strongroom.crypto.Drbg;
import java.util.Arrays;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.Token;
import org.xipki.pkcs11.wrapper.TokenException;

/**
 * One logged-in session on the customer's token. The key-encryption key never leaves the HSM:
 * DEKs go in as short-lived session objects and come out wrapped with AES key wrap with padding
 * (RFC 5649, CKM_AES_KEY_WRAP_PAD), or the reverse. All calls are serialised on the one session,
 * which is plenty for key operations that happen at unseal and rotation time only.
 */
public final class Pkcs11Hsm implements AutoCloseable {
    private static final Mechanism KEY_WRAP_PAD = new Mechanism(CKM_AES_KEY_WRAP_PAD);

    public record Settings(String modulePath, String tokenLabel, PinSource pin) {}

    private final Settings settings;
    private final Session session;

    private Pkcs11Hsm(Settings settings, Session session) {
        this.settings = settings;
        this.session = session;
    }

    /** Finds the token by label (slot ids change when tokens are initialised) and logs in. */
    public static Pkcs11Hsm connect(Settings settings) throws HsmException {
        Token token = findToken(Pkcs11Modules.get(settings.modulePath()), settings.tokenLabel());
        if (token == null) {
            // The token may have appeared (or come back) after this process initialised the library.
            token = findToken(Pkcs11Modules.reinitialize(settings.modulePath()), settings.tokenLabel());
        }
        if (token == null) {
            throw new HsmException(
                    HsmException.Reason.TOKEN_NOT_FOUND,
                    "no token labelled '" + settings.tokenLabel() + "' on PKCS#11 module " + settings.modulePath());
        }
        Session session;
        try {
            session = token.openSession(true);
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.TOKEN_ERROR,
                    "cannot open a session on token '" + settings.tokenLabel() + "': " + e.getErrorName(),
                    e);
        }
        char[] pin = settings.pin().read();
        try {
            session.login(CKU_USER, pin);
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
                closeQuietly(session);
                throw loginFailure(settings, e);
            }
        } finally {
            Arrays.fill(pin, '\0');
        }
        return new Pkcs11Hsm(settings, session);
    }

    private static HsmException loginFailure(Settings settings, PKCS11Exception e) {
        long code = e.getErrorCode();
        if (code == CKR_PIN_INCORRECT || code == CKR_PIN_LEN_RANGE) {
            return new HsmException(
                    HsmException.Reason.PIN_INCORRECT,
                    "HSM login to token '" + settings.tokenLabel() + "' refused: the PIN in "
                            + settings.pin().file() + " is incorrect (" + e.getErrorName() + ")");
        }
        if (code == CKR_PIN_LOCKED) {
            return new HsmException(
                    HsmException.Reason.PIN_INCORRECT,
                    "HSM user PIN of token '" + settings.tokenLabel()
                            + "' is locked; the security officer must reset it");
        }
        return new HsmException(
                HsmException.Reason.TOKEN_ERROR,
                "HSM login to token '" + settings.tokenLabel() + "' failed: " + e.getErrorName(),
                e);
    }

    /**
     * Initialises the first uninitialised token of the module (C_InitToken) with {@code label},
     * then sets the user PIN as security officer. PINs come from files, never arguments.
     */
    public static void initializeToken(String modulePath, String label, PinSource soPin, PinSource userPin)
            throws HsmException {
        PKCS11Module module = Pkcs11Modules.get(modulePath);
        if (findToken(module, label) != null) {
            throw new HsmException(
                    HsmException.Reason.KEK_ALREADY_EXISTS, "a token labelled '" + label + "' already exists");
        }
        Slot free = null;
        try {
            for (Slot slot : module.getSlotList(true)) {
                if (!slot.getToken().getTokenInfo().isTokenInitialized()) {
                    free = slot;
                    break;
                }
            }
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.TOKEN_ERROR, "cannot list PKCS#11 slots: " + e.getErrorName(), e);
        }
        if (free == null) {
            throw new HsmException(
                    HsmException.Reason.TOKEN_NOT_FOUND, "module " + modulePath + " has no uninitialised token");
        }
        char[] so = soPin.read();
        char[] user = userPin.read();
        try {
            // PKCS#11 labels are exactly 32 characters, blank padded; the native call reads all 32.
            char[] paddedLabel = String.format("%-32s", label).toCharArray();
            module.getPKCS11Module().C_InitToken(free.getSlotID(), so, paddedLabel, true);
            // SoftHSM and others move an initialised token to a new slot: look it up again.
            Token token = findToken(Pkcs11Modules.reinitialize(modulePath), label);
            if (token == null) {
                throw new HsmException(
                        HsmException.Reason.TOKEN_NOT_FOUND, "token '" + label + "' vanished after C_InitToken");
            }
            Session session = token.openSession(true);
            try {
                session.login(org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_SO, so);
                session.initPIN(user);
            } finally {
                closeQuietly(session);
            }
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            throw new HsmException(HsmException.Reason.TOKEN_ERROR, "C_InitToken failed: " + e.getMessage(), e);
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.TOKEN_ERROR, "setting the user PIN failed: " + e.getErrorName(), e);
        } finally {
            Arrays.fill(so, '\0');
            Arrays.fill(user, '\0');
        }
    }

    private static Token findToken(PKCS11Module module, String label) throws HsmException {
        try {
            for (Slot slot : module.getSlotList(true)) {
                Token token = slot.getToken();
                if (token != null
                        && label.equals(token.getTokenInfo().getLabel().trim())) {
                    return token;
                }
            }
            return null;
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.TOKEN_ERROR, "cannot list PKCS#11 slots: " + e.getErrorName(), e);
        }
    }

    public String tokenLabel() {
        return settings.tokenLabel();
    }

    /** Wraps {@code keyBytes} under the KEK labelled {@code kekLabel}, inside the HSM. */
    public synchronized byte[] wrap(String kekLabel, byte[] keyBytes) throws HsmException {
        long kek = findKek(kekLabel);
        long handle = -1;
        try {
            handle = session.createObject(AttributeVector.newAESSecretKey()
                    .token(false)
                    .value(keyBytes)
                    .sensitive(false)
                    .extractable(true));
            return session.wrapKey(KEY_WRAP_PAD, kek, handle);
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.KEK_NOT_USABLE,
                    "wrapping under KEK '" + kekLabel + "' failed: " + e.getErrorName(),
                    e);
        } finally {
            destroyQuietly(handle);
        }
    }

    /** Unwraps inside the HSM and returns the key bytes; the caller owns (and must zero) them. */
    public synchronized byte[] unwrap(String kekLabel, byte[] wrapped) throws HsmException {
        long kek = findKek(kekLabel);
        long handle = -1;
        try {
            handle = session.unwrapKey(
                    KEY_WRAP_PAD,
                    kek,
                    wrapped,
                    AttributeVector.newAESSecretKey()
                            .token(false)
                            .sensitive(false)
                            .extractable(true));
            byte[] value = session.getAttrValues(handle, CKA_VALUE).value();
            if (value == null) {
                throw new HsmException(HsmException.Reason.UNWRAP_FAILED, "HSM returned no key value after unwrap");
            }
            return value;
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.UNWRAP_FAILED,
                    "unwrapping under KEK '" + kekLabel + "' failed: " + e.getErrorName(),
                    e);
        } finally {
            destroyQuietly(handle);
        }
    }

    /**
     * Proves the KEK is present, enabled for wrap and unwrap, and is the same key that wrapped
     * {@code canary}: a different key under the same label fails the RFC 5649 integrity check.
     */
    public synchronized void checkKek(String kekLabel, byte[] canary) throws HsmException {
        long kek = findKek(kekLabel);
        long handle = -1;
        try {
            AttributeVector attrs = session.getAttrValues(kek, CKA_WRAP, CKA_UNWRAP);
            if (!Boolean.TRUE.equals(attrs.wrap()) || !Boolean.TRUE.equals(attrs.unwrap())) {
                throw new HsmException(
                        HsmException.Reason.KEK_NOT_USABLE,
                        "KEK '" + kekLabel + "' is disabled (CKA_WRAP/CKA_UNWRAP not set)");
            }
            handle = session.unwrapKey(
                    KEY_WRAP_PAD,
                    kek,
                    canary,
                    AttributeVector.newAESSecretKey()
                            .token(false)
                            .sensitive(true)
                            .extractable(false));
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.UNWRAP_FAILED,
                    "KEK '" + kekLabel + "' cannot unwrap the keyring canary (" + e.getErrorName()
                            + "): it is not the key the keyring was made with",
                    e);
        } finally {
            destroyQuietly(handle);
        }
    }

    public synchronized boolean kekExists(String kekLabel) throws HsmException {
        return findKeks(kekLabel).length > 0;
    }

    /**
     * Generates a KEK inside the token: AES-256, sensitive, never extractable, usable only to
     * wrap and unwrap. For the lab token and for key ceremonies on HSMs that accept it.
     */
    public synchronized void createKek(String kekLabel) throws HsmException {
        if (findKeks(kekLabel).length > 0) {
            throw new HsmException(
                    HsmException.Reason.KEK_ALREADY_EXISTS,
                    "a key labelled '" + kekLabel + "' already exists on token '" + settings.tokenLabel() + "'");
        }
        try {
            session.generateKey(
                    new Mechanism(CKM_AES_KEY_GEN),
                    AttributeVector.newAESSecretKey()
                            .token(true)
                            .private_(true)
                            .label(kekLabel)
                            .id(Drbg.bytes(8))
                            .valueLen(32)
                            .sensitive(true)
                            .extractable(false)
                            .wrap(true)
                            .unwrap(true)
                            .encrypt(false)
                            .decrypt(false)
                            .sign(false)
                            .verify(false)
                            .derive(false));
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.TOKEN_ERROR, "cannot generate KEK '" + kekLabel + "': " + e.getErrorName(), e);
        }
    }

    private long findKek(String kekLabel) throws HsmException {
        long[] handles = findKeks(kekLabel);
        if (handles.length == 0) {
            throw new HsmException(
                    HsmException.Reason.KEK_NOT_FOUND,
                    "KEK '" + kekLabel + "' not found on token '" + settings.tokenLabel() + "'");
        }
        if (handles.length > 1) {
            throw new HsmException(
                    HsmException.Reason.KEK_NOT_USABLE,
                    "label '" + kekLabel + "' names " + handles.length + " keys on token '" + settings.tokenLabel()
                            + "'; labels must be unique");
        }
        return handles[0];
    }

    private long[] findKeks(String kekLabel) throws HsmException {
        try {
            return session.findObjectsSingle(AttributeVector.newSecretKey().label(kekLabel), 2);
        } catch (PKCS11Exception e) {
            throw new HsmException(
                    HsmException.Reason.TOKEN_ERROR,
                    "cannot search token '" + settings.tokenLabel() + "': " + e.getErrorName(),
                    e);
        }
    }

    private void destroyQuietly(long handle) {
        if (handle >= 0) {
            try {
                session.destroyObject(handle);
            } catch (PKCS11Exception e) {
                // A session object dies with the session anyway.
            }
        }
    }

    private static void closeQuietly(Session session) {
        try {
            session.closeSession();
        } catch (TokenException | RuntimeException e) {
            // Nothing left to release.
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(session);
    }
}
