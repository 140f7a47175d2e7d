using System.Text.Json.Serialization;

namespace Hotline.Sandbox.Rest;

// Twilio's error body; the SDK turns it into ApiException with Code, Status and MoreInfo.
public sealed record TwilioError(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("more_info")] string MoreInfo,
    [property: JsonPropertyName("status")] int Status)
{
    public static IResult Result(int status, int code, string message) =>
        Results.Json(new TwilioError(code, message, $"https://www.twilio.com/docs/errors/{code}", status), RestJson.Options, statusCode: status);

    public static IResult Unauthorized() => Result(401, 20003, "Authenticate");

    public static IResult NotFound(string path) => Result(404, 20404, $"The requested resource {path} was not found");

    public static IResult From(Phones.RestFailure failure) => failure.Status switch
    {
        429 => Result(429, failure.Code ?? 20429, failure.Message ?? "Too Many Requests"),
        >= 500 => Result(failure.Status, failure.Code ?? 20500, failure.Message ?? "Internal Server Error"),
        _ => Result(failure.Status, failure.Code ?? 21211, failure.Message ?? "The request was refused by the sandbox."),
    };
}
