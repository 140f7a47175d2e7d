namespace Hotline.Tests.Support;

// For effects that happen in jobs and callbacks after the request that caused them: poll until the condition holds
// or a generous timeout passes, then let the assertion that follows say what is wrong.
public static class Eventually
{
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            value = await read();
        }

        return value;
    }
}
