using System.Security.Cryptography;
using System.Text;

namespace Hotline.Sandbox.Webhooks;

// Computes X-Twilio-Signature exactly as Twilio does: Base64(HMAC-SHA1(authToken, url + key1 + value1 + ...)),
// keys in ordinal order. The app checks it with Twilio's own RequestValidator, so a mistake here shows up as 403.
public static class WebhookSigner
{
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(key).Append(value);
        }

        var hash = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
        return Convert.ToBase64String(hash);
    }
}
